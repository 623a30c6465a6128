/* async_raw.c - the floor for async.c, with no event library.
 *
 * - async_send_pending: an out-of-line call to a function that does one
 *   atomic exchange on a flag that is already set, and returns.  A send
 *   must order the caller's earlier writes before its test of the flag (a
 *   store-load barrier), or a concurrent consumer could clear the flag and
 *   miss those writes; on x86 that takes a locked instruction, and the
 *   exchange is the cheapest one.  So this is what the "already pending"
 *   path of any correct ev_async_send costs at least, call included.
 * - async_pingpong_1cpu, async_pingpong_2cpu: the ping-pong of async.c done
 *   with one eventfd and one epoll set per thread: each hop is a write to
 *   the peer's eventfd, then epoll_wait and a read on one's own, the
 *   system calls a library makes per hop too.
 *
 * There is no floor for the flood: a raw version would have to repeat the
 * libraries' wake-up protocol and would measure nothing simpler.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "benchlib.h"

#define MAX_BATCHES 16

static void
pthread_check(int err, const char *what)
{
  if (err != 0)
    bench_fail("%s failed (error %d)", what, err);
}

/* ---- a send while one is pending ----------------------------------------- */

static int send_slow_paths;

static void
raw_send(int *flag)
{
  if (__atomic_exchange_n(flag, 1, __ATOMIC_SEQ_CST))
    return;
  send_slow_paths++; /* where a library would wake the loop */
}

static void
empty_call(int *flag)
{
  /* Keeps the call from being optimised into nothing. */
  __asm__ __volatile__("" : : "r"(flag) : "memory");
}

/* Times `sends` calls of fn per batch; returns the median ns per call. */
static double
time_calls(void (*fn)(int *), long sends, int batches)
{
  /* Called through a volatile pointer, as a shared library's function is
   * called through its PLT entry: never inlined. */
  void (*volatile call)(int *) = fn;
  static int flag;
  double ns[MAX_BATCHES];
  int b;

  call(&flag);
  for (b = -1; b < batches; b++) {
    long n = b < 0 ? sends / 10 : sends, i;
    uint64_t t0 = bench_now_ns(), t1;

    for (i = 0; i < n; i++)
      call(&flag);
    t1 = bench_now_ns();
    if (b >= 0)
      ns[b] = (double)(t1 - t0) / (double)n;
  }
  return bench_median(ns, batches);
}

/* ---- ping-pong on eventfds ----------------------------------------------- */

struct raw_player {
  int efd;  /* eventfd others write to wake this thread */
  int epfd; /* epoll set holding efd */
  int cpu;
};

struct raw_pingpong {
  struct raw_player a, b;
  pthread_barrier_t start;
  long per_batch;
  int batches;
  int stop; /* accessed atomically */
  double ns[MAX_BATCHES];
};

static void
poke(int efd)
{
  static const uint64_t one = 1;

  if (write(efd, &one, sizeof one) != (ssize_t)sizeof one)
    bench_fail("eventfd write: %s", strerror(errno));
}

/* Blocks until the player's eventfd is readable, then drains it. */
static void
wait_poke(const struct raw_player *p)
{
  struct epoll_event ev;
  uint64_t count;
  int got;

  /* No timeout: arming one costs measurable time on every wait (a timer
   * to program, on a virtual machine an exit to the hypervisor), and the
   * floor should not pay it.  A hang ends with the watchdog. */
  do
    got = epoll_wait(p->epfd, &ev, 1, -1);
  while (got < 0 && errno == EINTR);
  if (got < 0)
    bench_fail("epoll_wait: %s", strerror(errno));
  if (read(p->efd, &count, sizeof count) != (ssize_t)sizeof count)
    bench_fail("eventfd read: %s", strerror(errno));
}

static void *
raw_serve_thread(void *arg)
{
  struct raw_pingpong *pp = arg;
  int b;

  bench_pin_thread(pp->a.cpu);
  pthread_barrier_wait(&pp->start);
  for (b = -1; b < pp->batches; b++) {
    uint64_t t0 = bench_now_ns(), t1;
    long trips;

    poke(pp->b.efd);
    for (trips = 1; ; trips++) {
      wait_poke(&pp->a);
      if (trips == pp->per_batch)
        break;
      poke(pp->b.efd);
    }
    t1 = bench_now_ns();
    if (b >= 0)
      pp->ns[b] = (double)(t1 - t0) / (double)pp->per_batch;
  }
  __atomic_store_n(&pp->stop, 1, __ATOMIC_RELEASE);
  poke(pp->b.efd);
  return NULL;
}

static void *
raw_return_thread(void *arg)
{
  struct raw_pingpong *pp = arg;

  bench_pin_thread(pp->b.cpu);
  pthread_barrier_wait(&pp->start);
  for (;;) {
    wait_poke(&pp->b);
    if (__atomic_load_n(&pp->stop, __ATOMIC_ACQUIRE))
      break;
    poke(pp->a.efd);
  }
  return NULL;
}

static void
raw_player_open(struct raw_player *p, int cpu)
{
  struct epoll_event ev;

  p->cpu = cpu;
  p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  p->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (p->efd < 0 || p->epfd < 0)
    bench_fail("eventfd/epoll_create1: %s", strerror(errno));
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->efd, &ev) != 0)
    bench_fail("epoll_ctl: %s", strerror(errno));
}

static void
raw_player_close(struct raw_player *p)
{
  close(p->efd);
  close(p->epfd);
}

static void
raw_pingpong(const char *name, long trips, int batches, int cpu_a, int cpu_b)
{
  struct raw_pingpong pp;
  pthread_t a_t, b_t;

  memset(&pp, 0, sizeof pp);
  pp.per_batch = trips;
  pp.batches = batches;
  raw_player_open(&pp.a, cpu_a);
  raw_player_open(&pp.b, cpu_b);
  pthread_check(pthread_barrier_init(&pp.start, NULL, 2),
                "pthread_barrier_init");
  pthread_check(pthread_create(&b_t, NULL, raw_return_thread, &pp),
                "pthread_create");
  pthread_check(pthread_create(&a_t, NULL, raw_serve_thread, &pp),
                "pthread_create");
  pthread_check(pthread_join(a_t, NULL), "pthread_join");
  pthread_check(pthread_join(b_t, NULL), "pthread_join");
  pthread_barrier_destroy(&pp.start);
  bench_metric(name, bench_median(pp.ns, batches), "ns/rt");
  raw_player_close(&pp.a);
  raw_player_close(&pp.b);
}

int
main(int argc, char **argv)
{
  struct bench_opts opts;
  struct async_counts n;
  int cpus[2], ncpus;

  bench_init(argc, argv, "raw",
             "The floor for the ev_async benchmarks, without a library:\n"
             "a call doing one atomic exchange (ns per send), eventfd\n"
             "ping-pong between two threads (ns per round trip).",
             60, &opts);
  async_counts(&opts, &n);
  ncpus = bench_cpus(cpus, 2);
  if (ncpus < 1)
    bench_fail("no cpu to run on");

  bench_metric("async_send_pending",
               time_calls(raw_send, n.pending_sends, n.pending_batches),
               "ns/send");
  bench_note("an empty out-of-line call alone: %.2f ns",
             time_calls(empty_call, n.pending_sends, n.pending_batches));
  if (send_slow_paths != 1)
    bench_fail("the flag was found clear %d times", send_slow_paths);
  raw_pingpong("async_pingpong_1cpu", n.trips_1cpu, n.pingpong_batches,
               cpus[0], cpus[0]);
  if (ncpus >= 2)
    raw_pingpong("async_pingpong_2cpu", n.trips_2cpu, n.pingpong_batches,
                 cpus[0], cpus[1]);
  return 0;
}
