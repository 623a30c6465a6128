/* time_now.c - the loop's cached time (ev_now, ev_now_update) and the
 * global clock functions ev_time and ev_sleep.
 */
#include "testlib.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static const char *bn; /* backend name of the current round */

static double
wall_now(void)
{
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return tv.tv_sec + tv.tv_usec * 1e-6;
}

/* ---- ev_now during callbacks ------------------------------------------- */

static struct {
  double before_sleep, after_sleep, after_update, time_after_update;
  double in_second_cb, in_same_iteration;
  int first_done, second_done, sibling_done;
  ev_timer second;
} st;

static void
second_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  st.in_second_cb = ev_now(l);
  st.second_done = 1;
}

static void
sibling_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  st.in_same_iteration = ev_now(l);
  st.sibling_done = 1;
}

static void
first_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  st.before_sleep = ev_now(l);
  ev_sleep(0.1);
  st.after_sleep = ev_now(l);
  st.first_done = 1;
  /* Fires on the next iteration: a zero timer needs a fresh loop time. */
  ev_timer_init(&st.second, second_cb, 0., 0.);
  ev_timer_start(l, &st.second);
}

static void
test_now_frozen_in_callbacks(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_timer first, sibling;

  memset(&st, 0, sizeof st);
  ev_timer_init(&first, first_cb, 0.01, 0.);
  ev_timer_init(&sibling, sibling_cb, 0.01, 0.);
  /* Same expiry: both run in the same iteration, sibling after first. */
  ev_set_priority(&sibling, -1);
  ev_timer_start(loop, &first);
  ev_timer_start(loop, &sibling);
  ev_run(loop, 0);

  ok(st.first_done && st.second_done && st.sibling_done, "all three timers "
     "ran [%s]", bn);
  is_double(st.after_sleep, st.before_sleep, 0., "ev_now does not change "
            "while a callback sleeps [%s]", bn);
  is_double(st.in_same_iteration, st.before_sleep, 0., "ev_now is the same "
            "for a later callback of the same iteration [%s]", bn);
  if (!ok(st.in_second_cb >= st.before_sleep + 0.09, "ev_now advanced on "
          "the next iteration [%s]", bn))
    diag("next iteration saw %+.4f", st.in_second_cb - st.before_sleep);
  ev_verify(loop);
  ev_loop_destroy(loop);
}

static void
update_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  st.before_sleep = ev_now(l);
  ev_sleep(0.1);
  ev_now_update(l);
  st.after_update = ev_now(l);
  st.time_after_update = ev_time();
}

static void
test_now_update(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_timer t;
  double n0, n1, n2;

  ev_timer_init(&t, update_cb, 0.01, 0.);
  ev_timer_start(loop, &t);
  ev_run(loop, 0);
  if (!ok(st.after_update >= st.before_sleep + 0.09, "ev_now_update inside "
          "a callback moves ev_now forward [%s]", bn))
    diag("moved by %+.4f", st.after_update - st.before_sleep);
  is_double(st.after_update, st.time_after_update, 0.1, "the updated ev_now "
            "matches ev_time [%s]", bn);

  n0 = ev_now(loop);
  ev_sleep(0.1);
  n1 = ev_now(loop);
  is_double(n1, n0, 0., "outside ev_run, ev_now stays put while time passes "
            "[%s]", bn);
  ev_now_update(loop);
  n2 = ev_now(loop);
  ok(n2 >= n0 + 0.09, "ev_now_update outside ev_run moves it forward [%s]",
     bn);
  is_double(n2, ev_time(), 0.1, "ev_now after ev_now_update is close to "
            "ev_time [%s]", bn);
  ev_loop_destroy(loop);
}

static void
test_now_tracks_time(const struct test_backend *b)
{
  struct ev_loop *l1 = test_loop_new(b->flag);
  struct ev_loop *l2 = test_loop_new(b->flag);
  double prev, n, l2_before;
  int i, monotonic = 1;

  is_double(ev_now(l1), ev_time(), 0.1, "ev_now of a new loop is close to "
            "ev_time [%s]", bn);
  is_double(ev_now(l1), wall_now(), 0.1, "ev_now is wall-clock time [%s]",
            bn);

  ev_sleep(0.05);
  ev_run(l1, EVRUN_NOWAIT);
  is_double(ev_now(l1), ev_time(), 0.1, "after an iteration ev_now is close "
            "to ev_time [%s]", bn);

  prev = ev_now(l1);
  for (i = 0; i < 20; ++i) {
    ev_run(l1, EVRUN_NOWAIT);
    n = ev_now(l1);
    if (n < prev)
      monotonic = 0;
    prev = n;
  }
  ok(monotonic, "ev_now never goes backwards across iterations [%s]", bn);

  /* Each loop has its own notion of now. */
  l2_before = ev_now(l2);
  ev_sleep(0.05);
  ev_now_update(l1);
  is_double(ev_now(l2), l2_before, 0., "updating one loop's time leaves "
            "another loop's alone [%s]", bn);
  ev_loop_destroy(l1);
  ev_loop_destroy(l2);
}

/* ---- ev_suspend / ev_resume update the time ---------------------------- */

static void
test_suspend_resume_time(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  double n0;

  n0 = ev_now(loop);
  ev_sleep(0.05);
  ev_suspend(loop);
  ok(ev_now(loop) >= n0 + 0.045, "ev_suspend updates ev_now [%s]", bn);
  n0 = ev_now(loop);
  ev_sleep(0.05);
  ev_resume(loop);
  ok(ev_now(loop) >= n0 + 0.045, "ev_resume updates ev_now [%s]", bn);
  ev_loop_destroy(loop);
}

/* ---- global clock functions -------------------------------------------- */

static void
test_global_time(void)
{
  double g0, t, g1, m0, dt;

  g0 = wall_now();
  t = ev_time();
  g1 = wall_now();
  ok(t >= g0 - 0.001 && t <= g1 + 0.001, "ev_time is the wall clock "
     "(between two gettimeofday calls) [%s]", TEST_IMPL);
  ok(t > 1.5e9, "ev_time counts seconds since the epoch [%s]", TEST_IMPL);

  m0 = mono_now();
  ev_sleep(0.05);
  dt = mono_now() - m0;
  ok(dt >= 0.049, "ev_sleep(0.05) sleeps at least 0.05s [%s]", TEST_IMPL);
  if (!ok(dt < 2.0, "ev_sleep(0.05) returns in reasonable time [%s]",
          TEST_IMPL))
    diag("slept %.3fs", dt);

  m0 = mono_now();
  ev_sleep(0.);
  ok(mono_now() - m0 < 0.5, "ev_sleep(0) returns at once [%s]", TEST_IMPL);

  m0 = mono_now();
  ev_sleep(-5.);
  ok(mono_now() - m0 < 0.5, "ev_sleep(-5) returns at once [%s]", TEST_IMPL);

  m0 = mono_now();
  ev_sleep(0.3);
  dt = mono_now() - m0;
  ok(dt >= 0.299, "ev_sleep(0.3) sleeps at least 0.3s [%s]", TEST_IMPL);
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  test_now_frozen_in_callbacks(b);
  test_now_update(b);
  test_now_tracks_time(b);
  test_suspend_resume_time(b);
}

int
main(void)
{
  tap_start(60);
  test_global_time();
  for_each_backend(per_backend);
  return 0;
}
