/* loop_overhead.c - fixed costs of the loop itself.
 *
 * - loop_nowait: ev_run(EVRUN_NOWAIT) on a loop with no watchers;
 * - loop_idle: ev_run(0) kept spinning by one idle watcher that stops
 *   itself after K iterations;
 * - loop_idle_prep_check: the same with a prepare and a check watcher too;
 * - loop_new_destroy: an ev_loop_new(0) + ev_loop_destroy pair.
 *
 * Each is reported in ns per iteration (or per pair).  Every iteration
 * includes one non-blocking poll of the backend, a system call that sets
 * a floor under all of these numbers.
 */
#include <stddef.h>

#include "bench_ev.h"

static long iterations, limit;
static ev_idle idle_w;
static ev_prepare prepare_w;
static ev_check check_w;

static void
idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
  (void)w;
  (void)revents;
  if (++iterations >= limit) {
    /* With nothing active left, ev_run(0) returns by itself. */
    ev_idle_stop(loop, &idle_w);
    ev_prepare_stop(loop, &prepare_w);
    ev_check_stop(loop, &check_w);
  }
}

static void
prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
}

static void
check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
}

static void
bench_nowait(long count)
{
  struct ev_loop *loop = bench_loop_new();
  uint64_t t0, t1;
  long i;

  for (i = 0; i < count / 10; i++) /* warm-up */
    ev_run(loop, EVRUN_NOWAIT);
  t0 = bench_now_ns();
  for (i = 0; i < count; i++)
    ev_run(loop, EVRUN_NOWAIT);
  t1 = bench_now_ns();
  bench_metric("loop_nowait", (double)(t1 - t0) / (double)count, "ns/iter");
  ev_loop_destroy(loop);
}

/* Spins ev_run(0) for `count` iterations on an idle watcher, with a
 * prepare and a check watcher as well when `with_hooks` is set. */
static void
bench_idle(long count, int with_hooks)
{
  struct ev_loop *loop = bench_loop_new();
  uint64_t t0, t1;
  int pass;

  ev_idle_init(&idle_w, idle_cb);
  ev_prepare_init(&prepare_w, prepare_cb);
  ev_check_init(&check_w, check_cb);
  /* Pass 0 is a short untimed warm-up. */
  for (pass = 0; pass < 2; pass++) {
    iterations = 0;
    limit = pass == 0 ? count / 10 : count;
    ev_idle_start(loop, &idle_w);
    if (with_hooks) {
      ev_prepare_start(loop, &prepare_w);
      ev_check_start(loop, &check_w);
    }
    t0 = bench_now_ns();
    ev_run(loop, 0);
    t1 = bench_now_ns();
    if (iterations != limit)
      bench_fail("idle ran %ld of %ld times", iterations, limit);
  }
  bench_metric(with_hooks ? "loop_idle_prep_check" : "loop_idle",
               (double)(t1 - t0) / (double)count, "ns/iter");
  ev_loop_destroy(loop);
}

static void
bench_new_destroy(long count)
{
  uint64_t t0, t1;
  long i;

  ev_loop_destroy(bench_loop_new()); /* warm-up: first-use costs */
  t0 = bench_now_ns();
  for (i = 0; i < count; i++)
    ev_loop_destroy(bench_loop_new());
  t1 = bench_now_ns();
  bench_metric("loop_new_destroy", (double)(t1 - t0) / (double)count,
               "ns/loop");
}

int
main(int argc, char **argv)
{
  struct bench_opts opts;
  long iters;

  bench_init(argc, argv, BENCH_IMPL,
             "Loop overhead: empty and idle iterations (ns per iteration),\n"
             "loop create+destroy (ns per pair).",
             60, &opts);
  bench_note_backend();
  iters = opts.quick ? 50000 : 500000;
  bench_nowait(iters);
  bench_idle(iters, 0);
  bench_idle(iters, 1);
  bench_new_destroy(opts.quick ? 2000 : 20000);
  return 0;
}
