/* pipe_ring.c - cost of dispatching io events, the classic "pipe chain".
 *
 * N pipes form a ring; each has an io watcher.  A messages (one byte each)
 * travel round it: the read callback of pipe i reads the byte and writes
 * it to pipe i+1, until a fixed number of read events has happened.  The
 * timed part is ev_run() for that pass, divided by the number of events.
 *
 * The "pipe_timer" variant gives every pipe an idle timeout, re-armed with
 * ev_timer_again() on each event as a server does for idle connections,
 * which adds a timer-heap update to every event.
 */
#include <stdlib.h>

#include "bench_ev.h"

/* Idle timeouts are long enough never to expire during a pass; a little
 * jitter keeps the heap from holding identical keys. */
#define IDLE_TIMEOUT 30.0
#define IDLE_JITTER 10.0

/* One pipe of the ring, shaped like a server connection. */
struct conn {
  ev_io io;      /* first member: the io callback casts back to conn */
  ev_timer idle; /* idle timeout, re-armed on every event */
};

static struct ring ring;
static struct conn *conns;
static long idle_expired;

static void
read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct conn *c = (struct conn *)w;

  (void)revents;
  if (ring_step(&ring, (int)(c - conns)))
    ev_break(loop, EVBREAK_ONE);
}

static void
read_again_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct conn *c = (struct conn *)w;

  (void)revents;
  ev_timer_again(loop, &c->idle);
  if (ring_step(&ring, (int)(c - conns)))
    ev_break(loop, EVBREAK_ONE);
}

static void
idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  /* Only reached if a pass takes longer than IDLE_TIMEOUT: counted so the
   * result can be flagged, since an expiry would distort the timing. */
  (void)loop;
  (void)w;
  (void)revents;
  idle_expired++;
}

static void
run_pass(struct ev_loop *loop, const struct ring_case *c, long events)
{
  ring_start(&ring, c->active, events);
  ev_run(loop, 0);
  if (ring.fired != events)
    bench_fail("pass ended after %ld of %ld events", ring.fired, events);
}

/* Runs one case and returns nanoseconds per event. */
static double
run_case(const struct ring_case *c, int with_timers)
{
  struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
  uint64_t t0, t1;
  int i;

  if (loop == NULL)
    bench_fail("ev_loop_new failed");
  ring_open(&ring, c->n);
  conns = bench_alloc((size_t)c->n * sizeof *conns);
  bench_seed(42);
  for (i = 0; i < c->n; i++) {
    struct conn *cn = &conns[i];

    ev_io_init(&cn->io, with_timers ? read_again_cb : read_cb, ring.rfd[i],
               EV_READ);
    ev_io_start(loop, &cn->io);
    if (with_timers) {
      ev_timer_init(&cn->idle, idle_cb, 0.,
                    IDLE_TIMEOUT + IDLE_JITTER * bench_rand_double());
      ev_timer_again(loop, &cn->idle);
    }
  }

  run_pass(loop, c, c->warmup);
  t0 = bench_now_ns();
  run_pass(loop, c, c->events);
  t1 = bench_now_ns();
  ev_verify(loop);

  for (i = 0; i < c->n; i++) {
    ev_io_stop(loop, &conns[i].io);
    if (with_timers)
      ev_timer_stop(loop, &conns[i].idle);
  }
  ev_loop_destroy(loop);
  ring_close(&ring);
  free(conns);
  conns = NULL;
  return (double)(t1 - t0) / (double)c->events;
}

int
main(int argc, char **argv)
{
  struct bench_opts opts;
  struct ring_case cases[16];
  int ncases, with_timers, k;

  bench_init(argc, argv, BENCH_IMPL,
             "Pipe-ring io dispatch cost, without and with a re-armed\n"
             "idle timer per pipe; prints ns per event.",
             120, &opts);
  bench_note_backend();

  /* 64 descriptors are left for stdio and the loop's own. */
  ncases = ring_cases(&opts, 64, cases, 16);
  for (with_timers = 0; with_timers <= 1; with_timers++) {
    for (k = 0; k < ncases; k++) {
      char name[64];
      double ns = run_case(&cases[k], with_timers);

      ring_case_name(name, sizeof name, with_timers ? "pipe_timer" : "pipe",
                     &cases[k]);
      bench_metric(name, ns, "ns/event");
    }
  }
  if (idle_expired > 0)
    bench_note("warning: %ld idle timers expired during a pass",
               idle_expired);
  return 0;
}
