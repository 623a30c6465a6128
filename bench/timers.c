/* timers.c - cost of the timer queue.
 *
 * Churn: for 10^4, 10^5 and 10^6 timers, start them all (random timeouts),
 * re-arm them all with ev_timer_again() (random repeats), then stop them
 * all; each phase is reported as ns per operation.  Smaller sets repeat
 * the cycle so that every phase does the same number of operations.
 *
 * Firing: 10^6 one-shot timers due at distinct times within a few
 * milliseconds, started in random order; once all are due, ev_run() fires
 * them all.  Reported as ns per fired timer (run time / count), i.e. the
 * cost of taking a timer off the queue and invoking its callback.
 */
#include <ev.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "benchlib.h"

/* Churn timeouts and repeats: far enough out that nothing ever fires. */
#define CHURN_MIN 1.0
#define CHURN_SPAN 99.0

/* Firing: the first timer is due after FIRE_DELAY, the rest spread evenly
 * over the following FIRE_WINDOW seconds. */
#define FIRE_DELAY 0.001
#define FIRE_WINDOW 0.002

static long fired;

static void
churn_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
  bench_fail("a churn timer fired");
}

static void
fire_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
  fired++;
}

/* "1e4" for 10000: counts here are powers of ten. */
static void
count_label(char *buf, size_t size, long count)
{
  int exp = 0;

  while (count >= 10) {
    count /= 10;
    exp++;
  }
  snprintf(buf, size, "1e%d", exp);
}

static void
report(const char *what, long count, uint64_t ns, long ops, const char *unit)
{
  char label[16], name[64];

  count_label(label, sizeof label, count);
  snprintf(name, sizeof name, "timer_%s_%s", what, label);
  bench_metric(name, (double)ns / (double)ops, unit);
}

static void
churn(long count, long ops_per_phase)
{
  struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
  long reps = ops_per_phase > count ? ops_per_phase / count : 1;
  ev_timer *w = bench_alloc((size_t)count * sizeof *w);
  double *after = bench_alloc((size_t)count * sizeof *after);
  double *repeat = bench_alloc((size_t)count * sizeof *repeat);
  uint64_t t_start = 0, t_again = 0, t_stop = 0;
  long i, r;

  if (loop == NULL)
    bench_fail("ev_loop_new failed");
  /* The random values are drawn up front so that only library work and
   * the watcher field stores a caller makes are timed. */
  bench_seed(1000 + (uint64_t)count);
  for (i = 0; i < count; i++) {
    after[i] = CHURN_MIN + CHURN_SPAN * bench_rand_double();
    repeat[i] = CHURN_MIN + CHURN_SPAN * bench_rand_double();
    ev_timer_init(&w[i], churn_cb, 0., 0.);
  }

  /* Round -1 is an untimed warm-up: it lets the library grow its arrays
   * and the kernel map the pages, costs paid once per loop. */
  for (r = -1; r < reps; r++) {
    uint64_t t0, t1, t2, t3;

    t0 = bench_now_ns();
    for (i = 0; i < count; i++) {
      ev_timer_set(&w[i], after[i], 0.);
      ev_timer_start(loop, &w[i]);
    }
    t1 = bench_now_ns();
    for (i = 0; i < count; i++) {
      w[i].repeat = repeat[i];
      ev_timer_again(loop, &w[i]);
    }
    t2 = bench_now_ns();
    if (r < 0)
      ev_verify(loop); /* untimed: a broken heap would make numbers moot */
    t3 = bench_now_ns();
    for (i = 0; i < count; i++)
      ev_timer_stop(loop, &w[i]);
    if (r >= 0) {
      t_start += t1 - t0;
      t_again += t2 - t1;
      t_stop += bench_now_ns() - t3;
    }
  }

  report("start", count, t_start, reps * count, "ns/op");
  report("again", count, t_again, reps * count, "ns/op");
  report("stop", count, t_stop, reps * count, "ns/op");
  ev_loop_destroy(loop);
  free(w);
  free(after);
  free(repeat);
}

static void
fire(long count)
{
  struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
  ev_timer *w = bench_alloc((size_t)count * sizeof *w);
  uint32_t *slot = bench_alloc((size_t)count * sizeof *slot);
  double step = FIRE_WINDOW / (double)count;
  uint64_t t0, t1;
  long i;

  if (loop == NULL)
    bench_fail("ev_loop_new failed");
  /* Distinct due times, inserted in random order: sorted insertion would
   * be a heap's best case. */
  bench_seed(7);
  for (i = 0; i < count; i++)
    slot[i] = (uint32_t)i;
  bench_shuffle(slot, (size_t)count);

  ev_now_update(loop);
  for (i = 0; i < count; i++) {
    ev_timer_init(&w[i], fire_cb, FIRE_DELAY + step * slot[i], 0.);
    ev_timer_start(loop, &w[i]);
  }
  /* Let every timer become due before the clock starts, so the run
   * measures firing, not waiting. */
  ev_sleep(FIRE_DELAY + FIRE_WINDOW + 0.001);

  fired = 0;
  t0 = bench_now_ns();
  ev_run(loop, 0);
  t1 = bench_now_ns();
  if (fired != count)
    bench_fail("%ld of %ld timers fired", fired, count);
  report("fire", count, t1 - t0, count, "ns/timer");

  ev_loop_destroy(loop);
  free(w);
  free(slot);
}

int
main(int argc, char **argv)
{
  struct bench_opts opts;
  long count, max_count, ops;

  bench_init(argc, argv, BENCH_IMPL,
             "Timer queue cost: start/again/stop churn with 1e4..1e6\n"
             "timers (ns per op) and firing 1e6 timers (ns per timer).",
             120, &opts);
  max_count = opts.quick ? 100000 : 1000000;
  ops = opts.quick ? 100000 : 2000000;
  for (count = 10000; count <= max_count; count *= 10)
    churn(count, ops);
  fire(max_count);
  return 0;
}
