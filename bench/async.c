/* async.c - cost of ev_async, the one way to wake a loop from another
 * thread.
 *
 * - async_send_pending: ev_async_send on a watcher whose earlier send is
 *   still pending, on a loop that is not running, so that nothing ever
 *   consumes it.  Every send then takes the "already pending" path: the
 *   least a send can cost, and what most sends in a flood cost.
 * - async_flood_send: a sender thread calls ev_async_send in a tight loop
 *   while a loop thread runs an ev_async whose callback does almost
 *   nothing.  The average cost of a send while the loop drains them
 *   concurrently: mostly the pending path, plus the cache-line transfers
 *   between the two CPUs and the occasional real wake-up.
 * - async_pingpong_1cpu, async_pingpong_2cpu: two threads, each with its
 *   own loop and ev_async, bounce one message back and forth: A's callback
 *   sends to B, B's sends back to A.  Time per round trip, with both
 *   threads bound to the same CPU (every hop is a wake-up and a context
 *   switch) and, if there are two CPUs, to different ones (every hop is a
 *   cross-CPU wake-up).
 *
 * Each measurement times a few batches and reports the median batch.
 */
#include <pthread.h>

#include "bench_ev.h"

/* Room for the batch timings of one measurement. */
#define MAX_BATCHES 16

static void
pthread_check(int err, const char *what)
{
  if (err != 0)
    bench_fail("%s failed (error %d)", what, err);
}

/* ---- a send while one is pending ----------------------------------------- */

static void
never_cb(struct ev_loop *loop, ev_async *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
  bench_fail("async callback ran on a loop that never runs");
}

static void
bench_send_pending(long sends, int batches)
{
  struct ev_loop *loop = bench_loop_new();
  ev_async w;
  double ns[MAX_BATCHES];
  int b;

  ev_async_init(&w, never_cb);
  ev_async_start(loop, &w);
  /* The first send marks the watcher pending; the loop never runs, so
   * every later send finds it so. */
  ev_async_send(loop, &w);
  for (b = -1; b < batches; b++) {
    long n = b < 0 ? sends / 10 : sends, i;
    uint64_t t0 = bench_now_ns(), t1;

    for (i = 0; i < n; i++)
      ev_async_send(loop, &w);
    t1 = bench_now_ns();
    if (b >= 0)
      ns[b] = (double)(t1 - t0) / (double)n;
  }
  if (!ev_async_pending(&w))
    bench_fail("the watcher is not pending after the sends");
  bench_metric("async_send_pending", bench_median(ns, batches), "ns/send");
  ev_async_stop(loop, &w);
  ev_loop_destroy(loop);
}

/* ---- a flood of sends to a running loop ---------------------------------- */

struct flood {
  struct ev_loop *loop;
  ev_async w;
  pthread_barrier_t start;
  int loop_cpu, send_cpu; /* -1: not bound */
  long sends;             /* per timed batch */
  int batches;
  long calls;             /* callbacks run; written by the loop thread */
  int done;               /* the sender is finished; accessed atomically */
  double ns[MAX_BATCHES];
  long batch_calls;       /* callbacks during the timed batches */
};

static void
flood_cb(struct ev_loop *loop, ev_async *w, int revents)
{
  struct flood *f = w->data;

  (void)revents;
  /* A plain store: only the loop thread writes it, the sender just
   * samples it between batches. */
  __atomic_store_n(&f->calls, f->calls + 1, __ATOMIC_RELAXED);
  if (__atomic_load_n(&f->done, __ATOMIC_ACQUIRE))
    ev_break(loop, EVBREAK_ONE);
}

static void *
flood_loop_thread(void *arg)
{
  struct flood *f = arg;

  if (f->loop_cpu >= 0)
    bench_pin_thread(f->loop_cpu);
  pthread_barrier_wait(&f->start);
  ev_run(f->loop, 0);
  return NULL;
}

static void *
flood_send_thread(void *arg)
{
  struct flood *f = arg;
  long calls0 = 0;
  int b;

  if (f->send_cpu >= 0)
    bench_pin_thread(f->send_cpu);
  pthread_barrier_wait(&f->start);
  for (b = -1; b < f->batches; b++) {
    long n = b < 0 ? f->sends / 10 : f->sends, i;
    uint64_t t0, t1;

    if (b == 0)
      calls0 = __atomic_load_n(&f->calls, __ATOMIC_RELAXED);
    t0 = bench_now_ns();
    for (i = 0; i < n; i++)
      ev_async_send(f->loop, &f->w);
    t1 = bench_now_ns();
    if (b >= 0)
      f->ns[b] = (double)(t1 - t0) / (double)n;
  }
  f->batch_calls = __atomic_load_n(&f->calls, __ATOMIC_RELAXED) - calls0;
  /* The send orders the store before it: the callback it causes (or the
   * one already pending) sees done and stops the loop. */
  __atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
  ev_async_send(f->loop, &f->w);
  return NULL;
}

static void
bench_flood(long sends, int batches, const int *cpus, int ncpus)
{
  struct flood f = { 0 };
  pthread_t loop_t, send_t;
  long total = sends * batches;

  f.loop = bench_loop_new();
  f.sends = sends;
  f.batches = batches;
  /* A flood is two CPUs working at once; with one CPU the threads merely
   * take turns, which the note below makes clear. */
  f.loop_cpu = ncpus >= 2 ? cpus[0] : -1;
  f.send_cpu = ncpus >= 2 ? cpus[1] : -1;
  ev_async_init(&f.w, flood_cb);
  f.w.data = &f;
  ev_async_start(f.loop, &f.w);
  pthread_check(pthread_barrier_init(&f.start, NULL, 2),
                "pthread_barrier_init");
  pthread_check(pthread_create(&loop_t, NULL, flood_loop_thread, &f),
                "pthread_create");
  pthread_check(pthread_create(&send_t, NULL, flood_send_thread, &f),
                "pthread_create");
  pthread_check(pthread_join(send_t, NULL), "pthread_join");
  pthread_check(pthread_join(loop_t, NULL), "pthread_join");
  pthread_barrier_destroy(&f.start);

  bench_metric("async_flood_send", bench_median(f.ns, batches), "ns/send");
  if (ncpus >= 2)
    bench_note("flood: loop on cpu %d, sender on cpu %d", f.loop_cpu,
               f.send_cpu);
  else
    bench_note("flood: only one cpu, loop and sender take turns");
  bench_note("flood: %ld sends ran %ld callbacks: %.2f%% found one pending",
             total, f.batch_calls,
             100.0 * (double)(total - f.batch_calls) / (double)total);
  ev_async_stop(f.loop, &f.w);
  ev_loop_destroy(f.loop);
}

/* ---- ping-pong between two loops ----------------------------------------- */

struct player {
  struct ev_loop *loop;
  ev_async wake;
  int cpu;
};

struct pingpong {
  struct player a;  /* serves, counts the round trips, times the batches */
  struct player b;  /* returns every message to a */
  pthread_barrier_t start;
  long per_batch;   /* round trips per batch */
  int batches;
  long trips;       /* round trips so far in this batch (a's thread) */
  int stop;         /* tells b to leave its loop; accessed atomically */
  double ns[MAX_BATCHES];
};

static void
serve_cb(struct ev_loop *loop, ev_async *w, int revents)
{
  struct pingpong *pp = w->data;

  (void)revents;
  if (++pp->trips >= pp->per_batch)
    ev_break(loop, EVBREAK_ONE);
  else
    ev_async_send(pp->b.loop, &pp->b.wake);
}

static void
return_cb(struct ev_loop *loop, ev_async *w, int revents)
{
  struct pingpong *pp = w->data;

  (void)revents;
  if (__atomic_load_n(&pp->stop, __ATOMIC_ACQUIRE))
    ev_break(loop, EVBREAK_ONE);
  else
    ev_async_send(pp->a.loop, &pp->a.wake);
}

static void *
serve_thread(void *arg)
{
  struct pingpong *pp = arg;
  int b;

  bench_pin_thread(pp->a.cpu);
  pthread_barrier_wait(&pp->start);
  for (b = -1; b < pp->batches; b++) {
    uint64_t t0, t1;

    pp->trips = 0;
    t0 = bench_now_ns();
    ev_async_send(pp->b.loop, &pp->b.wake);
    ev_run(pp->a.loop, 0);
    t1 = bench_now_ns();
    if (pp->trips != pp->per_batch)
      bench_fail("ping-pong: %ld of %ld round trips", pp->trips,
                 pp->per_batch);
    if (b >= 0)
      pp->ns[b] = (double)(t1 - t0) / (double)pp->per_batch;
  }
  __atomic_store_n(&pp->stop, 1, __ATOMIC_RELEASE);
  ev_async_send(pp->b.loop, &pp->b.wake);
  return NULL;
}

static void *
return_thread(void *arg)
{
  struct pingpong *pp = arg;

  bench_pin_thread(pp->b.cpu);
  pthread_barrier_wait(&pp->start);
  ev_run(pp->b.loop, 0);
  return NULL;
}

static void
player_init(struct player *p, struct pingpong *pp, int cpu,
            void (*cb)(struct ev_loop *, ev_async *, int))
{
  p->loop = bench_loop_new();
  p->cpu = cpu;
  ev_async_init(&p->wake, cb);
  p->wake.data = pp;
  ev_async_start(p->loop, &p->wake);
}

static void
player_free(struct player *p)
{
  ev_async_stop(p->loop, &p->wake);
  ev_loop_destroy(p->loop);
}

static void
bench_pingpong(const char *name, long trips, int batches, int cpu_a,
               int cpu_b)
{
  struct pingpong pp = { 0 };
  pthread_t a_t, b_t;

  pp.per_batch = trips;
  pp.batches = batches;
  player_init(&pp.a, &pp, cpu_a, serve_cb);
  player_init(&pp.b, &pp, cpu_b, return_cb);
  pthread_check(pthread_barrier_init(&pp.start, NULL, 2),
                "pthread_barrier_init");
  pthread_check(pthread_create(&b_t, NULL, return_thread, &pp),
                "pthread_create");
  pthread_check(pthread_create(&a_t, NULL, serve_thread, &pp),
                "pthread_create");
  pthread_check(pthread_join(a_t, NULL), "pthread_join");
  pthread_check(pthread_join(b_t, NULL), "pthread_join");
  pthread_barrier_destroy(&pp.start);
  bench_metric(name, bench_median(pp.ns, batches), "ns/rt");
  player_free(&pp.a);
  player_free(&pp.b);
}

int
main(int argc, char **argv)
{
  struct bench_opts opts;
  struct async_counts n;
  int cpus[2], ncpus;

  bench_init(argc, argv, BENCH_IMPL,
             "ev_async: a send while one is pending and in a flood (ns per\n"
             "send), ping-pong between two loops' threads on one CPU and on\n"
             "two (ns per round trip).",
             60, &opts);
  async_counts(&opts, &n);
  ncpus = bench_cpus(cpus, 2);
  if (ncpus < 1)
    bench_fail("no cpu to run on");

  bench_send_pending(n.pending_sends, n.pending_batches);
  bench_flood(n.flood_sends, n.flood_batches, cpus, ncpus);
  bench_pingpong("async_pingpong_1cpu", n.trips_1cpu, n.pingpong_batches,
                 cpus[0], cpus[0]);
  if (ncpus >= 2)
    bench_pingpong("async_pingpong_2cpu", n.trips_2cpu, n.pingpong_batches,
                   cpus[0], cpus[1]);
  else
    bench_note("only one cpu: no async_pingpong_2cpu");
  return 0;
}
