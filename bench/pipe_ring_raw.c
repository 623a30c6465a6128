/* pipe_ring_raw.c - the pipe ring driven by epoll_wait() directly.
 *
 * The floor for pipe_ring.c: the same cases and the same per-event work
 * (ring_step() from benchlib.c), but readiness comes straight from the
 * kernel with no event library in between.  What an event library costs
 * on top is the difference between its numbers and these.  Only the
 * variant without timers exists: a per-pipe timer would need a heap of
 * our own, which would no longer be a floor for anything in particular.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "benchlib.h"

/* The batch size a simple epoll loop would use (libev starts with 64 too). */
#define MAX_EVENTS 64

/* A pass with no readiness for this many one-second waits is stuck. */
#define MAX_IDLE_WAITS 5

static struct ring ring;

static void
run_pass(int epfd, const struct ring_case *c, long events)
{
  struct epoll_event evs[MAX_EVENTS];
  int idle_waits = 0, done = 0;

  ring_start(&ring, c->active, events);
  while (!done) {
    int k, got = epoll_wait(epfd, evs, MAX_EVENTS, 1000);

    if (got < 0) {
      if (errno == EINTR)
        continue;
      bench_fail("epoll_wait: %s", strerror(errno));
    }
    if (got == 0 && ++idle_waits >= MAX_IDLE_WAITS)
      bench_fail("pass stuck after %ld of %ld events", ring.fired, events);
    for (k = 0; k < got; k++)
      done |= ring_step(&ring, (int)evs[k].data.u32);
  }
}

/* Runs one case and returns nanoseconds per event. */
static double
run_case(const struct ring_case *c)
{
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  uint64_t t0, t1;
  int i;

  if (epfd < 0)
    bench_fail("epoll_create1: %s", strerror(errno));
  ring_open(&ring, c->n);
  for (i = 0; i < c->n; i++) {
    struct epoll_event ev;

    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u32 = (uint32_t)i;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, ring.rfd[i], &ev) != 0)
      bench_fail("epoll_ctl: %s", strerror(errno));
  }

  run_pass(epfd, c, c->warmup);
  t0 = bench_now_ns();
  run_pass(epfd, c, c->events);
  t1 = bench_now_ns();

  close(epfd);
  ring_close(&ring);
  return (double)(t1 - t0) / (double)c->events;
}

int
main(int argc, char **argv)
{
  struct bench_opts opts;
  struct ring_case cases[16];
  int ncases, k;

  bench_init(argc, argv, "raw",
             "Pipe-ring floor: the same work as pipe_ring on raw epoll;\n"
             "prints ns per event.",
             60, &opts);
  bench_note("backend epoll (raw)");
  ncases = ring_cases(&opts, 64, cases, 16);
  for (k = 0; k < ncases; k++) {
    char name[64];
    double ns = run_case(&cases[k]);

    ring_case_name(name, sizeof name, "pipe", &cases[k]);
    bench_metric(name, ns, "ns/event");
  }
  return 0;
}
