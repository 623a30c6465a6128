/* timer_rules.c - the rules ev_timer follows.
 *
 * Order of expiry, never firing early, zero and negative timeouts, repeat
 * and the absence of catch-up bursts, the state of a timer inside its own
 * callback, ev_timer_again, ev_timer_remaining, what the `at` field holds,
 * and ten thousand random timers.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A timer that records what happened to it. */
struct probe {
  ev_timer t;
  int id;
  int calls;
  unsigned iter;     /* ev_iteration() at the last call */
  double mono;       /* mono_now() at the last call */
  double at_in_cb;   /* w->at seen in the last call */
  double rem_in_cb;  /* ev_timer_remaining() in the last call */
  int active_in_cb;  /* ev_is_active() in the last call */
  int block_ms;      /* sleep this long in the callback */
  struct probe *peer;  /* see peer_action */
  int peer_action;     /* 1: stop peer, 2: ev_timer_again on peer */
  int peer_pending_before, peer_pending_after;
};

/* Callback order across one test. */
#define LOG_MAX 16
static int log_ids[LOG_MAX];
static int log_len;

static void
log_reset(void)
{
  log_len = 0;
}

static void
probe_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  struct probe *p = (struct probe *)w;

  (void)revents;
  ++p->calls;
  p->iter = ev_iteration(loop);
  p->mono = mono_now();
  p->at_in_cb = w->at;
  p->rem_in_cb = ev_timer_remaining(loop, w);
  p->active_in_cb = ev_is_active(w) ? 1 : 0;
  if (log_len < LOG_MAX)
    log_ids[log_len++] = p->id;
  if (p->peer && p->peer_action) {
    p->peer_pending_before = ev_is_pending(&p->peer->t) ? 1 : 0;
    if (p->peer_action == 1)
      ev_timer_stop(loop, &p->peer->t);
    else
      ev_timer_again(loop, &p->peer->t);
    p->peer_pending_after = ev_is_pending(&p->peer->t) ? 1 : 0;
    p->peer_action = 0;
  }
  if (p->block_ms)
    ev_sleep(p->block_ms / 1000.);
}

static void
probe_init(struct probe *p, int id, double after, double repeat)
{
  memset(p, 0, sizeof *p);
  p->id = id;
  ev_timer_init(&p->t, probe_cb, after, repeat);
}

/* Runs single iterations until `p` has `want` calls or `seconds` pass. */
static void
wait_probe(struct ev_loop *loop, const struct probe *p, int want,
           double seconds)
{
  double end = mono_now() + seconds;
  while (p->calls < want && mono_now() < end)
    ev_run(loop, EVRUN_ONCE);
}

static int
log_is(const int *want, int n)
{
  int i;
  if (log_len != n)
    return 0;
  for (i = 0; i < n; ++i)
    if (log_ids[i] != want[i])
      return 0;
  return 1;
}

static void
log_diag(void)
{
  char buf[128];
  int i, off = 0;
  buf[0] = 0;
  for (i = 0; i < log_len && off < (int)sizeof buf - 8; ++i)
    off += snprintf(buf + off, sizeof buf - (size_t)off, " %d", log_ids[i]);
  diag("    callback order:%s", buf);
}

/* A repeating timer that expired at `old_at` must be re-armed to
 * old_at + repeat, or to the loop's now when that is already in the past.
 * The loop's now in the callback is at - remaining. */
static int
rearmed_ok(const struct probe *p, double old_at, double repeat)
{
  double now = p->at_in_cb - p->rem_in_cb;
  double want = old_at + repeat >= now ? old_at + repeat : now;
  if (p->at_in_cb >= want - 1e-9 && p->at_in_cb <= want + 1e-9)
    return 1;
  diag("    re-armed to %.9f, expected %.9f (old %.9f, repeat %g, now %.9f)",
       p->at_in_cb, want, old_at, repeat, now);
  return 0;
}

/* ---- expiry order within one iteration -------------------------------- */

static void
test_order(struct ev_loop *loop, const char *be)
{
  static const double after[5] = { 0.03, 0.01, 0.02, 0.025, 0.005 };
  static const int want[5] = { 4, 1, 2, 3, 0 };
  struct probe p[5];
  int i, same_iter = 1;

  log_reset();
  for (i = 0; i < 5; ++i) {
    probe_init(&p[i], i, after[i], 0.);
    ev_timer_start(loop, &p[i].t);
  }
  /* All expire while the loop is not running, so one iteration sees them
   * all at once. */
  ev_sleep(0.06);
  ev_run(loop, EVRUN_ONCE);
  for (i = 1; i < 5; ++i)
    if (p[i].calls != 1 || p[i].iter != p[0].iter)
      same_iter = 0;
  ok(same_iter && p[0].calls == 1,
     "five expired timers fire in one iteration [%s]", be);
  if (!ok(log_is(want, 5), "they fire earliest expiry first [%s]", be))
    log_diag();
}

/* ---- never early ------------------------------------------------------ */

static void
test_not_early(struct ev_loop *loop, const char *be)
{
  enum { N = 10 };
  struct probe p[N];
  double t0, at[N];
  int i, all = 1, late_ok = 1, strict_ok = 1;
  double end;

  /* Read our clock before the loop reads its own, so the loop's "now"
   * (which the timeouts count from) is not earlier than t0. */
  t0 = mono_now();
  ev_now_update(loop);
  for (i = 0; i < N; ++i) {
    /* 100 ms down to 10 ms, started in that order. */
    probe_init(&p[i], i, 0.01 * (N - i), 0.);
    ev_timer_start(loop, &p[i].t);
    at[i] = p[i].t.at;
  }
  end = mono_now() + 5.;
  while (mono_now() < end) {
    int done = 1;
    for (i = 0; i < N; ++i)
      if (!p[i].calls)
        done = 0;
    if (done)
      break;
    ev_run(loop, EVRUN_ONCE);
  }
  for (i = 0; i < N; ++i) {
    double after = 0.01 * (N - i);
    if (p[i].calls != 1)
      all = 0;
    else if (p[i].mono - t0 < after) {
      if (late_ok)
        diag("    %.0f ms timer fired after %.6f s", after * 1000,
             p[i].mono - t0);
      late_ok = 0;
    }
    if (p[i].calls == 1 && !(p[i].mono > at[i]))
      strict_ok = 0;
  }
  ok(all, "timers of 10..100 ms each fire once [%s]", be);
  ok(late_ok, "none fires before its timeout elapsed [%s]", be);
  ok(strict_ok,
     "each fires when the monotonic clock is past its absolute expiry "
     "[%s]", be);
}

/* ---- zero and negative timeouts ---------------------------------------- */

static void
test_nonpositive(struct ev_loop *loop, const char *be)
{
  static const int want[4] = { 0, 1, 2, 3 };
  struct probe p[4];

  log_reset();
  probe_init(&p[2], 2, 0., 0.);
  probe_init(&p[0], 0, -0.5, 0.);
  probe_init(&p[1], 1, -0.001, 0.);
  ev_timer_start(loop, &p[2].t);
  ev_timer_start(loop, &p[0].t);
  ev_timer_start(loop, &p[1].t);
  ev_run(loop, EVRUN_NOWAIT);
  ok(p[0].calls == 1 && p[1].calls == 1 && p[2].calls == 1,
     "timers with after <= 0 fire in the next iteration [%s]", be);
  if (!ok(log_is(want, 3),
          "most negative first, zero last [%s]", be))
    log_diag();

  /* A tiny positive timeout that has passed by the time the loop looks
   * comes after the zero one. */
  log_reset();
  probe_init(&p[3], 3, 1e-6, 0.);
  probe_init(&p[2], 2, 0., 0.);
  probe_init(&p[0], 0, -0.01, 0.);
  probe_init(&p[1], 1, -0.005, 0.);
  ev_now_update(loop);
  ev_timer_start(loop, &p[3].t);
  ev_timer_start(loop, &p[2].t);
  ev_timer_start(loop, &p[1].t);
  ev_timer_start(loop, &p[0].t);
  ev_sleep(0.002);
  ev_run(loop, EVRUN_NOWAIT);
  if (!ok(log_is(want, 4),
          "negative before zero before positive in one iteration [%s]",
          be))
    log_diag();
}

/* ---- repeat ------------------------------------------------------------ */

static void
test_repeat(struct ev_loop *loop, const char *be)
{
  struct probe p;
  double at0, at1;

  probe_init(&p, 0, 0.01, 0.1);
  ev_now_update(loop);
  ev_timer_start(loop, &p.t);
  at0 = p.t.at;
  wait_probe(loop, &p, 1, 3.);
  ok(p.calls == 1 && p.active_in_cb,
     "repeating timer is still active in its callback [%s]", be);
  ok(rearmed_ok(&p, at0, 0.1),
     "it was re-armed to its expiry + repeat [%s]", be);
  ok(p.mono > at0, "first fire after the first expiry [%s]", be);
  at1 = p.t.at;
  wait_probe(loop, &p, 2, 3.);
  is_int(p.calls, 2, "it fires again [%s]", be);
  ok(p.mono > at1, "second fire after the re-armed expiry [%s]", be);
  ok(rearmed_ok(&p, at1, 0.1), "and re-arms by repeat again [%s]", be);
  ev_timer_stop(loop, &p.t);
  ok(!ev_is_active(&p.t), "stop ends a repeating timer [%s]", be);
}

static void
test_no_catch_up(struct ev_loop *loop, const char *be)
{
  struct probe p;
  unsigned iters[4];
  int i, distinct = 1, clamped = 1;

  /* Every callback blocks for 55 ms, five periods of the 10 ms timer. */
  probe_init(&p, 0, 0.01, 0.01);
  p.block_ms = 55;
  ev_timer_start(loop, &p.t);
  for (i = 0; i < 4; ++i) {
    int before = p.calls;
    double end = mono_now() + 3.;
    while (p.calls == before && mono_now() < end)
      ev_run(loop, EVRUN_ONCE);
    iters[i] = p.iter;
    if (i > 0 && iters[i] == iters[i - 1])
      distinct = 0;
    /* Every expiry after a slow callback lies in the past: it is pulled
     * up to the loop's current time, so nothing remains to catch up. */
    if (i > 0 && !(p.rem_in_cb >= 0. && p.rem_in_cb < 1e-9))
      clamped = 0;
  }
  is_int(p.calls, 4, "slow repeating timer: four calls [%s]", be);
  ok(distinct, "at most one call per iteration, no burst [%s]", be);
  ok(clamped,
     "a repeat already in the past is re-armed to the loop's now "
     "(remaining 0 in the callback) [%s]", be);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(p.calls, 5, "the next iteration fires it once more [%s]", be);
  ev_timer_stop(loop, &p.t);
}

/* ---- a non-repeating timer inside its own callback ------------------- */

static void
test_own_callback(struct ev_loop *loop, const char *be)
{
  struct probe p;

  probe_init(&p, 0, 0.01, 0.);
  ev_now_update(loop);
  ev_timer_start(loop, &p.t);
  wait_probe(loop, &p, 1, 3.);
  is_int(p.calls, 1, "one-shot timer fires [%s]", be);
  is_int(p.active_in_cb, 0, "it is inactive inside its callback [%s]", be);
  ok(p.at_in_cb <= 0. && p.at_in_cb > -1.,
     "its at field is the (non-positive) remaining time there: %g [%s]",
     p.at_in_cb, be);
  is_double(p.rem_in_cb, p.at_in_cb, 0.,
            "ev_timer_remaining returns that value [%s]", be);

  /* Starting it again without ev_timer_set uses that negative value. */
  ev_timer_start(loop, &p.t);
  ok(ev_is_active(&p.t), "restart without set: active [%s]", be);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(p.calls, 2, "and fires at once in the next iteration [%s]", be);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(p.calls, 2, "only once [%s]", be);
}

/* ---- ev_timer_again ---------------------------------------------------- */

static void
test_again(struct ev_loop *loop, const char *be)
{
  struct probe p, q;
  double at_before, m0, m1;

  /* Rule 1: pending is cleared; inactive with repeat 0 stays that way. */
  probe_init(&p, 0, 10., 0.);
  ev_feed_event(loop, &p.t, EV_TIMER);
  ok(ev_is_pending(&p.t), "fed timer is pending [%s]", be);
  ev_timer_again(loop, &p.t);
  ok(!ev_is_pending(&p.t) && !ev_is_active(&p.t),
     "again: pending cleared, inactive repeat-0 timer stays inactive [%s]",
     be);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(p.calls, 0, "and its callback is never called [%s]", be);

  /* Rule 1 with a timer that really expired: the earlier timer's
   * callback calls again on the later one, which is then not invoked. */
  probe_init(&p, 0, -0.002, 0.);
  probe_init(&q, 1, -0.001, 0.);
  p.peer = &q;
  p.peer_action = 2;
  ev_timer_start(loop, &p.t);
  ev_timer_start(loop, &q.t);
  ev_run(loop, EVRUN_NOWAIT);
  ok(p.calls == 1 && p.peer_pending_before && !p.peer_pending_after,
     "again on an expired, pending timer clears its pending state [%s]",
     be);
  is_int(q.calls, 0, "so it is not called [%s]", be);
  ok(!ev_is_active(&q.t), "and (repeat 0) stays stopped [%s]", be);

  /* Rule 1 on an active repeating timer. */
  probe_init(&p, 0, 10., 5.);
  ev_timer_start(loop, &p.t);
  ev_feed_event(loop, &p.t, EV_TIMER);
  ev_timer_again(loop, &p.t);
  ok(!ev_is_pending(&p.t) && ev_is_active(&p.t),
     "again on a pending active repeating timer: not pending, active "
     "[%s]", be);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(p.calls, 0, "its fed event is dropped [%s]", be);
  ev_timer_stop(loop, &p.t);

  /* Rule 2: active and repeat > 0: re-armed to now + repeat. */
  probe_init(&p, 0, 10., 0.05);
  ev_timer_start(loop, &p.t);
  at_before = p.t.at;
  ev_sleep(0.01);
  m0 = mono_now();
  ev_now_update(loop);
  ev_timer_again(loop, &p.t);
  m1 = mono_now();
  ok(ev_is_active(&p.t), "again on an active repeating timer: active [%s]",
     be);
  is_double(ev_timer_remaining(loop, &p.t), 0.05, 1e-9,
            "remaining is exactly repeat [%s]", be);
  ok(p.t.at >= m0 + 0.05 && p.t.at <= m1 + 0.05 && p.t.at < at_before,
     "at is now + repeat on the monotonic clock [%s]", be);
  at_before = p.t.at;
  wait_probe(loop, &p, 1, 3.);
  ok(p.calls == 1 && p.mono > at_before,
     "it fires after the new expiry [%s]", be);
  ev_timer_stop(loop, &p.t);

  /* Rule 3: active and repeat 0: stopped. */
  probe_init(&p, 0, 0.01, 0.);
  ev_timer_start(loop, &p.t);
  ev_timer_again(loop, &p.t);
  ok(!ev_is_active(&p.t), "again on an active non-repeating timer stops it "
     "[%s]", be);
  ev_sleep(0.02);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(p.calls, 0, "without calling it [%s]", be);

  /* Rule 4: inactive and repeat > 0: started with timeout repeat. */
  probe_init(&p, 0, 10., 0.25);
  ev_timer_again(loop, &p.t);
  ok(ev_is_active(&p.t), "again on an inactive repeating timer starts it "
     "[%s]", be);
  is_double(ev_timer_remaining(loop, &p.t), 0.25, 1e-9,
            "with timeout repeat, not after [%s]", be);
  ev_timer_stop(loop, &p.t);

  /* Rule 5: inactive and repeat 0: nothing at all. */
  probe_init(&p, 0, 0.125, 0.);
  ev_timer_again(loop, &p.t);
  ok(!ev_is_active(&p.t) && !ev_is_pending(&p.t),
     "again on an inactive non-repeating timer does nothing [%s]", be);
  is_double(p.t.at, 0.125, 0., "its at is untouched [%s]", be);
  ev_verify(loop);
}

/* ---- ev_timer_remaining and the at field ------------------------------ */

static void
test_remaining(struct ev_loop *loop, const char *be)
{
  struct probe p;
  double rem, m0, m1;

  probe_init(&p, 0, 5., 7.);
  is_double(ev_timer_remaining(loop, &p.t), 5., 0.,
            "set(5, 7): remaining is 5 while inactive [%s]", be);
  is_double(p.t.at, 5., 0., "inactive at is the relative after [%s]", be);

  m0 = mono_now();
  ev_now_update(loop);
  ev_timer_start(loop, &p.t);
  m1 = mono_now();
  is_double(ev_timer_remaining(loop, &p.t), 5., 1e-9,
            "right after start: 5.0 [%s]", be);
  ok(p.t.at >= m0 + 5. && p.t.at <= m1 + 5.,
     "active at is the absolute monotonic expiry (%.6f in [%.6f, %.6f]) "
     "[%s]", p.t.at, m0 + 5., m1 + 5., be);

  ev_sleep(0.05);
  is_double(ev_timer_remaining(loop, &p.t), 5., 1e-9,
            "remaining counts from the loop's cached time [%s]", be);
  ev_now_update(loop);
  rem = ev_timer_remaining(loop, &p.t);
  ok(rem <= 4.95 + 1e-9 && rem > 4.,
     "after 50 ms and a time update it decreased: %.6f [%s]", rem, be);

  ev_timer_stop(loop, &p.t);
  is_double(ev_timer_remaining(loop, &p.t), rem, 1e-9,
            "after stop it returns what was left [%s]", be);
  is_double(p.t.at, rem, 1e-9, "stop stores the remaining time in at [%s]",
            be);
  is_double(p.t.repeat, 7., 0., "repeat is untouched [%s]", be);

  /* Restarting continues from the remaining time. */
  ev_timer_start(loop, &p.t);
  is_double(ev_timer_remaining(loop, &p.t), rem, 1e-9,
            "restart resumes from the remaining time [%s]", be);
  ev_timer_stop(loop, &p.t);
}

/* ---- repeat changed while active -------------------------------------- */

static void
test_change_repeat(struct ev_loop *loop, const char *be)
{
  struct probe p;
  double at0;

  probe_init(&p, 0, 0.01, 5.);
  ev_timer_start(loop, &p.t);
  at0 = p.t.at;
  p.t.repeat = 0.3;
  is_double(p.t.at, at0, 0., "changing repeat leaves the expiry alone [%s]",
            be);
  wait_probe(loop, &p, 1, 3.);
  is_int(p.calls, 1, "the timer fires at its original expiry [%s]", be);
  ok(rearmed_ok(&p, at0, 0.3), "and re-arms with the new repeat [%s]", be);
  ev_timer_stop(loop, &p.t);
}

/* ---- stopping a pending timer ----------------------------------------- */

static void
test_stop_pending(struct ev_loop *loop, const char *be)
{
  struct probe p, q;
  int repeating;

  for (repeating = 0; repeating < 2; ++repeating) {
    const char *kind = repeating ? "repeating" : "one-shot";
    probe_init(&p, 0, -0.002, 0.);
    probe_init(&q, 1, -0.001, repeating ? 1. : 0.);
    p.peer = &q;
    p.peer_action = 1;
    ev_timer_start(loop, &p.t);
    ev_timer_start(loop, &q.t);
    ev_run(loop, EVRUN_NOWAIT);
    ok(p.calls == 1 && p.peer_pending_before,
       "%s timer expired with another: pending while the first runs "
       "[%s]", kind, be);
    ok(!p.peer_pending_after, "stopping it clears pending [%s, %s]", kind,
       be);
    is_int(q.calls, 0, "its callback never runs [%s, %s]", kind, be);
    ok(!ev_is_active(&q.t), "it is inactive [%s, %s]", kind, be);
    ev_run(loop, EVRUN_NOWAIT);
    is_int(q.calls, 0, "not even later [%s, %s]", kind, be);
  }
}

/* ---- ten thousand random timers --------------------------------------- */

#define MANY 10000

struct many_timer {
  ev_timer t;
  int calls;
  double expiry; /* absolute, read right after start */
};

static double many_last_expiry;
static int many_disorder;
static int many_fired;

static void
many_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  struct many_timer *m = (struct many_timer *)w;
  (void)loop;
  (void)revents;
  ++m->calls;
  ++many_fired;
  if (m->expiry < many_last_expiry)
    ++many_disorder;
  many_last_expiry = m->expiry;
}

static void
test_many(struct ev_loop *loop, const char *be)
{
  static struct many_timer m[MANY];
  unsigned long long x = 0x9e3779b97f4a7c15ull;
  int i, once = 1, runs = 0;
  double end;

  many_last_expiry = 0.;
  many_disorder = 0;
  many_fired = 0;
  for (i = 0; i < MANY; ++i) {
    double after;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    after = (double)(x % 50001) * 1e-6; /* 0 .. 50 ms */
    m[i].calls = 0;
    ev_timer_init(&m[i].t, many_cb, after, 0.);
    ev_timer_start(loop, &m[i].t);
    m[i].expiry = m[i].t.at;
  }
  ev_verify(loop);
  end = mono_now() + 10.;
  while (many_fired < MANY && mono_now() < end) {
    ev_run(loop, EVRUN_ONCE);
    if (++runs % 8 == 0)
      ev_verify(loop);
  }
  ev_run(loop, EVRUN_NOWAIT);
  for (i = 0; i < MANY; ++i)
    if (m[i].calls != 1)
      once = 0;
  ok(once && many_fired == MANY,
     "%d random timers in [0, 50 ms] each fire exactly once [%s]", MANY,
     be);
  is_int(many_disorder, 0, "they fire in non-decreasing expiry order [%s]",
         be);
  ev_verify(loop);
}

static void
run_backend(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  const char *be = b->name;

  test_order(loop, be);
  test_not_early(loop, be);
  test_nonpositive(loop, be);
  test_repeat(loop, be);
  test_no_catch_up(loop, be);
  test_own_callback(loop, be);
  test_again(loop, be);
  test_remaining(loop, be);
  test_change_repeat(loop, be);
  test_stop_pending(loop, be);
  ev_verify(loop);
  test_many(loop, be);
  ev_loop_destroy(loop);
}

int
main(void)
{
  tap_start(60);
  for_each_backend(run_backend);
  return 0;
}
