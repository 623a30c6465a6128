/* run_modes.c - what ev_run returns and when: EVRUN_NOWAIT / EVRUN_ONCE,
 * ev_break (ONE, ALL, CANCEL, nested runs), ev_depth, ev_iteration,
 * ev_ref / ev_unref, and pending watchers at ev_run entry.
 */
#include "testlib.h"

#include <stdio.h>
#include <string.h>

static const char *bn; /* backend name of the current round */

static void
noop_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

/* ---- return value and iteration count ---------------------------------- */

static void
test_return_value(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_timer t1, t2;
  unsigned int it;
  double t0;
  int r;

  it = ev_iteration(loop);
  t0 = mono_now();
  r = ev_run(loop, 0);
  is_int(r, 0, "ev_run(0) with nothing active returns 0 [%s]", bn);
  ok(mono_now() - t0 < 1.0, "ev_run(0) with nothing active returns at once "
     "[%s]", bn);
  is_int(ev_iteration(loop) - it, 1, "ev_run(0) with nothing active does "
         "exactly one iteration [%s]", bn);

  it = ev_iteration(loop);
  t0 = mono_now();
  r = ev_run(loop, EVRUN_ONCE);
  is_int(r, 0, "ev_run(ONCE) with nothing active returns 0 [%s]", bn);
  ok(mono_now() - t0 < 1.0, "ev_run(ONCE) with nothing active does not "
     "block [%s]", bn);
  is_int(ev_iteration(loop) - it, 1, "ev_run(ONCE) with nothing active does "
         "one iteration [%s]", bn);

  ev_timer_init(&t1, noop_timer_cb, 10., 0.);
  ev_timer_init(&t2, noop_timer_cb, 10., 0.);
  ev_timer_start(loop, &t1);
  r = ev_run(loop, EVRUN_NOWAIT);
  is_int(r, 1, "ev_run(NOWAIT) with one active timer returns 1 [%s]", bn);
  ev_timer_start(loop, &t2);
  it = ev_iteration(loop);
  t0 = mono_now();
  r = ev_run(loop, EVRUN_NOWAIT);
  is_int(r, 2, "ev_run(NOWAIT) with two active timers returns 2 [%s]", bn);
  ok(mono_now() - t0 < 1.0, "ev_run(NOWAIT) does not wait for a pending 10s "
     "timer [%s]", bn);
  is_int(ev_iteration(loop) - it, 1, "ev_run(NOWAIT) does one iteration "
         "[%s]", bn);
  ok(ev_is_active(&t1) && ev_is_active(&t2), "the timers are still active "
     "after NOWAIT [%s]", bn);

  ev_timer_stop(loop, &t1);
  is_int(ev_run(loop, EVRUN_NOWAIT), 1, "after stopping one timer ev_run "
         "returns 1 [%s]", bn);
  ev_timer_stop(loop, &t2);
  is_int(ev_run(loop, EVRUN_NOWAIT), 0, "after stopping both ev_run returns "
         "0 [%s]", bn);

  it = ev_iteration(loop);
  for (r = 0; r < 5; ++r)
    ev_run(loop, EVRUN_NOWAIT);
  is_int(ev_iteration(loop) - it, 5, "five ev_run(NOWAIT) calls are five "
         "iterations [%s]", bn);
  ev_verify(loop);
  ev_loop_destroy(loop);
}

/* ---- EVRUN_ONCE -------------------------------------------------------- */

static int short_fired, long_fired;
static unsigned int iteration_in_cb;

static void
short_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  ++short_fired;
  iteration_in_cb = ev_iteration(l);
}

static void
long_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  ++long_fired;
}

static void
test_run_once(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_timer s, lt;
  unsigned int it;
  double t0, dt;
  int r;

  short_fired = long_fired = 0;
  ev_timer_init(&s, short_cb, 0.2, 0.);
  ev_timer_init(&lt, long_cb, 5., 0.);
  ev_timer_start(loop, &s);
  ev_timer_start(loop, &lt);
  it = ev_iteration(loop);
  t0 = mono_now();
  r = ev_run(loop, EVRUN_ONCE);
  dt = mono_now() - t0;
  ok(dt >= 0.19, "ev_run(ONCE) blocked until the 0.2s timer [%s]", bn);
  if (!ok(dt < 3.0, "ev_run(ONCE) returned after the first event, not the "
          "5s timer [%s]", bn))
    diag("took %.3fs", dt);
  is_int(short_fired, 1, "ev_run(ONCE) invoked the 0.2s timer [%s]", bn);
  is_int(long_fired, 0, "ev_run(ONCE) did not wait for the 5s timer [%s]",
         bn);
  is_int(r, 1, "ev_run(ONCE) returns 1 with the 5s timer still active [%s]",
         bn);
  is_int(ev_iteration(loop) - it, 1, "ev_run(ONCE) was one iteration [%s]",
         bn);
  is_int(iteration_in_cb, ev_iteration(loop), "ev_iteration inside the "
         "callback already counts the current iteration [%s]", bn);
  ev_timer_stop(loop, &lt);

  /* ev_run(0) keeps going until nothing is active. */
  short_fired = 0;
  ev_timer_set(&s, 0.05, 0.);
  ev_timer_start(loop, &s);
  t0 = mono_now();
  r = ev_run(loop, 0);
  is_int(r, 0, "ev_run(0) returns 0 once its only timer fired [%s]", bn);
  is_int(short_fired, 1, "ev_run(0) ran the timer [%s]", bn);
  ok(mono_now() - t0 >= 0.049, "ev_run(0) waited for the timer [%s]", bn);
  ev_loop_destroy(loop);
}

/* ---- nested runs and ev_break ----------------------------------------- */

struct nest {
  int how;               /* ev_break argument used by the inner timer */
  int inner_ret;         /* what the nested ev_run returned */
  int inner_returned;    /* the nested ev_run has returned */
  unsigned int depth_outer, depth_inner, depth_after;
  int late_fired;        /* the outer, later timer ran */
  int late_after_inner;  /* ... after the nested ev_run had returned */
  unsigned int late_depth;
  ev_timer inner, late;
};

static struct nest nest;

static void
inner_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  nest.depth_inner = ev_depth(l);
  ev_break(l, nest.how);
}

static void
late_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  nest.late_fired = 1;
  nest.late_after_inner = nest.inner_returned;
  nest.late_depth = ev_depth(l);
}

static void
outer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  nest.depth_outer = ev_depth(l);
  ev_timer_init(&nest.inner, inner_cb, 0.02, 0.);
  ev_timer_start(l, &nest.inner);
  nest.inner_ret = ev_run(l, 0);
  nest.inner_returned = 1;
  nest.depth_after = ev_depth(l);
}

static int
run_nested(struct ev_loop *loop, int how, double *elapsed)
{
  ev_timer outer;
  double t0;
  int r;

  memset(&nest, 0, sizeof nest);
  nest.how = how;
  ev_timer_init(&outer, outer_cb, 0.02, 0.);
  ev_timer_init(&nest.late, late_cb, 0.4, 0.);
  ev_timer_start(loop, &outer);
  ev_timer_start(loop, &nest.late);
  t0 = mono_now();
  r = ev_run(loop, 0);
  *elapsed = mono_now() - t0;
  return r;
}

static void
test_break_nested(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  double dt;
  int r;

  is_int(ev_depth(loop), 0, "ev_depth is 0 outside ev_run [%s]", bn);

  r = run_nested(loop, EVBREAK_ONE, &dt);
  is_int(nest.depth_outer, 1, "ev_depth is 1 in a callback of ev_run [%s]",
         bn);
  is_int(nest.depth_inner, 2, "ev_depth is 2 in a nested ev_run [%s]", bn);
  ok(nest.inner_returned, "EVBREAK_ONE made the nested ev_run return [%s]",
     bn);
  is_int(nest.inner_ret, 1, "the nested ev_run returned the refcount (1: "
         "the outer timer) [%s]", bn);
  is_int(nest.depth_after, 1, "ev_depth is back to 1 after the nested run "
         "[%s]", bn);
  ok(nest.late_fired && nest.late_after_inner, "after EVBREAK_ONE the outer "
     "ev_run went on and ran the later timer [%s]", bn);
  is_int(nest.late_depth, 1, "the later timer ran at depth 1 [%s]", bn);
  is_int(r, 0, "the outer ev_run returned 0 when nothing was left [%s]", bn);
  ok(dt >= 0.39, "the outer ev_run lasted until the 0.4s timer [%s]", bn);
  is_int(ev_depth(loop), 0, "ev_depth is 0 again after ev_run [%s]", bn);

  r = run_nested(loop, EVBREAK_ALL, &dt);
  ok(nest.inner_returned, "EVBREAK_ALL made the nested ev_run return [%s]",
     bn);
  is_int(nest.inner_ret, 1, "the nested ev_run returned 1 [%s]", bn);
  ok(!nest.late_fired, "EVBREAK_ALL also ended the outer ev_run before the "
     "later timer [%s]", bn);
  is_int(r, 1, "the outer ev_run returned 1 (the later timer is active) "
         "[%s]", bn);
  ok(dt < 0.38, "the outer ev_run returned before the later timer was due "
     "[%s]", bn);
  is_int(ev_depth(loop), 0, "ev_depth is 0 after EVBREAK_ALL [%s]", bn);
  ok(ev_is_active(&nest.late), "the later timer is still active [%s]", bn);

  /* A new ev_run after EVBREAK_ALL starts afresh. */
  r = ev_run(loop, 0);
  ok(nest.late_fired, "a new ev_run after EVBREAK_ALL runs normally [%s]",
     bn);
  is_int(r, 0, "... and returns 0 when done [%s]", bn);
  ev_verify(loop);
  ev_loop_destroy(loop);
}

static int break_cb_calls, after_break_calls;

static void
timer_count_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  ++after_break_calls;
}

static void
break_cancel_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  ++break_cb_calls;
  ev_break(l, EVBREAK_ONE);
  ev_break(l, EVBREAK_CANCEL);
}

static void
test_break_outside_and_cancel(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_timer t, c;
  int r;

  after_break_calls = 0;
  ev_break(loop, EVBREAK_ALL);
  ev_timer_init(&t, timer_count_cb, 0.05, 0.);
  ev_timer_start(loop, &t);
  r = ev_run(loop, 0);
  is_int(after_break_calls, 1, "ev_break(ALL) before ev_run has no effect: "
         "the timer still fires [%s]", bn);
  is_int(r, 0, "... and ev_run returns 0 [%s]", bn);

  after_break_calls = 0;
  ev_break(loop, EVBREAK_ONE);
  ev_timer_start(loop, &t);
  ev_run(loop, 0);
  is_int(after_break_calls, 1, "ev_break(ONE) before ev_run has no effect "
         "[%s]", bn);

  break_cb_calls = after_break_calls = 0;
  ev_timer_init(&c, break_cancel_cb, 0.02, 0.);
  ev_timer_init(&t, timer_count_cb, 0.15, 0.);
  ev_timer_start(loop, &c);
  ev_timer_start(loop, &t);
  r = ev_run(loop, 0);
  is_int(break_cb_calls, 1, "the callback issuing ONE then CANCEL ran "
         "[%s]", bn);
  is_int(after_break_calls, 1, "EVBREAK_CANCEL revoked the break: the later "
         "timer still ran [%s]", bn);
  is_int(r, 0, "ev_run returned 0 at the end [%s]", bn);
  ev_loop_destroy(loop);
}

/* Callbacks already queued in an iteration still run after ev_break. */
static char order[16];
static size_t norder;

static void
fed_break_cb(struct ev_loop *l, ev_idle *w, int revents)
{
  (void)revents;
  if (norder < sizeof order - 1)
    order[norder++] = *(const char *)w->data;
  if (*(const char *)w->data == 'B')
    ev_break(l, EVBREAK_ONE);
}

static void
test_break_runs_queued(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_idle a, bw;
  ev_timer t;
  double t0;
  int r;

  norder = 0;
  memset(order, 0, sizeof order);
  ev_idle_init(&a, fed_break_cb);
  a.data = (void *)"A";
  ev_idle_init(&bw, fed_break_cb);
  bw.data = (void *)"B";
  ev_set_priority(&bw, 1);
  ev_timer_init(&t, noop_timer_cb, 10., 0.);
  ev_timer_start(loop, &t);
  ev_feed_event(loop, &a, EV_CUSTOM);
  ev_feed_event(loop, &bw, EV_CUSTOM);
  t0 = mono_now();
  r = ev_run(loop, 0);
  is_str(order, "BA", "a callback queued behind the one calling ev_break "
         "still runs [%s]", bn);
  ok(mono_now() - t0 < 1.0, "ev_break ended ev_run although a 10s timer "
     "is active [%s]", bn);
  is_int(r, 1, "ev_run returned the refcount (1) [%s]", bn);
  ev_timer_stop(loop, &t);
  ev_loop_destroy(loop);
}

/* ev_break from a prepare callback ends the run before the backend poll. */
static void
prepare_break_cb(struct ev_loop *l, ev_prepare *w, int revents)
{
  (void)w;
  (void)revents;
  ev_break(l, EVBREAK_ONE);
}

static void
test_break_in_prepare(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_prepare p;
  ev_timer t;
  unsigned int it;
  double t0;
  int r;

  ev_prepare_init(&p, prepare_break_cb);
  ev_prepare_start(loop, &p);
  ev_timer_init(&t, noop_timer_cb, 10., 0.);
  ev_timer_start(loop, &t);
  it = ev_iteration(loop);
  t0 = mono_now();
  r = ev_run(loop, 0);
  ok(mono_now() - t0 < 1.0, "ev_break in a prepare callback ends ev_run "
     "without blocking [%s]", bn);
  is_int(r, 2, "ev_run returns the refcount (prepare + timer) [%s]", bn);
  is_int(ev_iteration(loop) - it, 0, "no poll happened: ev_iteration did "
         "not advance [%s]", bn);
  ev_prepare_stop(loop, &p);
  ev_timer_stop(loop, &t);
  ev_loop_destroy(loop);
}

/* ---- ev_ref / ev_unref -------------------------------------------------- */

static void
test_refcount(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_timer t;
  double t0;
  int r;

  ev_timer_init(&t, noop_timer_cb, 10., 0.);
  ev_timer_start(loop, &t);
  ev_unref(loop);
  t0 = mono_now();
  r = ev_run(loop, 0);
  is_int(r, 0, "ev_run(0) with only an unref'd timer returns 0 [%s]", bn);
  ok(mono_now() - t0 < 1.0, "ev_run(0) does not wait for an unref'd 10s "
     "timer [%s]", bn);
  ok(ev_is_active(&t), "the unref'd timer stays active [%s]", bn);
  ev_ref(loop);
  is_int(ev_run(loop, EVRUN_NOWAIT), 1, "ev_ref restores the timer's "
         "reference [%s]", bn);
  ev_timer_stop(loop, &t);

  ev_ref(loop);
  is_int(ev_run(loop, EVRUN_NOWAIT), 1, "ev_ref with nothing active makes "
         "the refcount 1 [%s]", bn);
  ev_ref(loop);
  is_int(ev_run(loop, EVRUN_NOWAIT), 2, "a second ev_ref makes it 2 [%s]",
         bn);
  ev_unref(loop);
  ev_unref(loop);
  is_int(ev_run(loop, EVRUN_NOWAIT), 0, "two ev_unref bring it back to 0 "
         "[%s]", bn);
  ev_verify(loop);
  ev_loop_destroy(loop);
}

/* ---- pending watchers at entry ----------------------------------------- */

static char entry_log[8];
static size_t nentry;
static unsigned int fed_iteration, fed_depth;

static void
entry_fed_cb(struct ev_loop *l, ev_idle *w, int revents)
{
  (void)w;
  (void)revents;
  fed_iteration = ev_iteration(l);
  fed_depth = ev_depth(l);
  if (nentry < sizeof entry_log - 1)
    entry_log[nentry++] = 'F';
}

static void
entry_prepare_cb(struct ev_loop *l, ev_prepare *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  if (nentry < sizeof entry_log - 1)
    entry_log[nentry++] = 'P';
}

static void
test_pending_at_entry(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_idle fed;
  ev_prepare p;
  ev_timer t;
  unsigned int it;
  int r;

  nentry = 0;
  memset(entry_log, 0, sizeof entry_log);
  ev_idle_init(&fed, entry_fed_cb);
  ev_prepare_init(&p, entry_prepare_cb);
  ev_prepare_start(loop, &p);
  ev_timer_init(&t, noop_timer_cb, 10., 0.);
  ev_timer_start(loop, &t);
  ev_feed_event(loop, &fed, EV_CUSTOM);
  it = ev_iteration(loop);
  r = ev_run(loop, EVRUN_NOWAIT);
  is_str(entry_log, "FP", "a fed watcher runs at ev_run entry, before the "
         "prepare phase [%s]", bn);
  is_int(fed_iteration, it, "it ran before the first poll (ev_iteration "
         "not yet advanced) [%s]", bn);
  is_int(fed_depth, 1, "it ran inside ev_run (depth 1) [%s]", bn);
  is_int(r, 2, "the fed, never-started watcher holds no reference [%s]",
         bn);
  ok(!ev_is_pending(&fed) && !ev_is_active(&fed), "the fed watcher is "
     "neither pending nor active afterwards [%s]", bn);
  ev_prepare_stop(loop, &p);
  ev_timer_stop(loop, &t);
  ev_loop_destroy(loop);
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  test_return_value(b);
  test_run_once(b);
  test_break_nested(b);
  test_break_outside_and_cancel(b);
  test_break_runs_queued(b);
  test_break_in_prepare(b);
  test_refcount(b);
  test_pending_at_entry(b);
}

int
main(void)
{
  tap_start(60);
  for_each_backend(per_backend);
  return 0;
}
