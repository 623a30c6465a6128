/* once_suspend_cleanup.c - ev_once, ev_suspend/ev_resume, ev_cleanup, and
 * the io/timeout collect intervals.
 *
 * ev_once with an fd (revents EV_READ), a timeout (EV_TIMER) or both (the
 * first event wins and brings the other half's pending events along);
 * a timer keeps its remaining time across ev_suspend/ev_resume; cleanup
 * watchers run from ev_loop_destroy with EV_CLEANUP and hold no
 * reference; ev_set_io_collect_interval makes the loop sleep before a
 * poll that would block, and ev_set_timeout_collect_interval makes no
 * wait shorter than the interval.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *bn;
static unsigned int bflag;

static void
guard_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)revents;
  *(int *)w->data = 1;
}

static void
noop_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

/* ---- ev_once ------------------------------------------------------------ */

struct once_rec {
  int calls;
  int revents;
  double mono;
};

static void
once_cb(int revents, void *arg)
{
  struct once_rec *r = arg;
  ++r->calls;
  r->revents = revents;
  r->mono = mono_now();
}

static void
test_once(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct once_rec r;
  int fds[2], idle[2], rc;
  double t0;

  make_pipe(fds);
  make_pipe(idle);

  /* fd only (no timeout: -1) */
  memset(&r, 0, sizeof r);
  if (write(fds[1], "x", 1) != 1)
    bail("write failed");
  ev_once(loop, fds[0], EV_READ, -1., once_cb, &r);
  rc = run_guarded(loop, 5.);
  is_int(r.calls, 1, "ev_once on a readable fd calls back once [%s]", bn);
  is_hex((unsigned)r.revents, EV_READ, "... with revents 0x1 (EV_READ) "
         "[%s]", bn);
  is_int(rc, 0, "... and leaves nothing active behind [%s]", bn);

  /* timeout only (fd -1) */
  memset(&r, 0, sizeof r);
  /* Timeouts count from the loop's cached time: refresh it first. */
  ev_now_update(loop);
  t0 = mono_now();
  ev_once(loop, -1, 0, 0.05, once_cb, &r);
  rc = run_guarded(loop, 5.);
  is_int(r.calls, 1, "ev_once with only a timeout calls back once [%s]", bn);
  is_hex((unsigned)r.revents, EV_TIMER, "... with revents 0x100 (EV_TIMER) "
         "[%s]", bn);
  ok(r.mono - t0 >= 0.049, "... not before the timeout (%.3fs) [%s]",
     r.mono - t0, bn);
  is_int(rc, 0, "... and leaves nothing active behind [%s]", bn);

  /* both: the fd is ready long before the timeout */
  memset(&r, 0, sizeof r);
  t0 = mono_now();
  ev_once(loop, fds[0], EV_READ, 5., once_cb, &r);
  rc = run_guarded(loop, 5.);
  is_hex((unsigned)r.revents, EV_READ, "ev_once with fd and timeout: a "
         "ready fd wins (0x1) [%s]", bn);
  ok(r.mono - t0 < 3., "... without waiting for the 5s timeout [%s]", bn);
  is_int(rc, 0, "... and the timeout half is gone too (ev_run returned 0) "
         "[%s]", bn);

  /* both: the fd never becomes ready */
  memset(&r, 0, sizeof r);
  ev_once(loop, idle[0], EV_READ, 0.05, once_cb, &r);
  rc = run_guarded(loop, 5.);
  is_hex((unsigned)r.revents, EV_TIMER, "ev_once with an idle fd: the "
         "timeout wins (0x100) [%s]", bn);
  is_int(rc, 0, "... and the io half is stopped [%s]", bn);

  /* both due in the same iteration: one call carrying both */
  memset(&r, 0, sizeof r);
  ev_once(loop, fds[0], EV_READ, 0.001, once_cb, &r);
  ev_sleep(0.02);
  rc = run_guarded(loop, 5.);
  is_int(r.calls, 1, "ev_once with both halves due in one iteration calls "
         "back once [%s]", bn);
  is_hex((unsigned)r.revents, EV_READ | EV_TIMER, "... with both events "
         "(0x101) [%s]", bn);
  is_int(rc, 0, "... leaving nothing active [%s]", bn);

  ev_verify(loop);
  ev_loop_destroy(loop);
  close(fds[0]);
  close(fds[1]);
  close(idle[0]);
  close(idle[1]);
}

/* ---- ev_suspend / ev_resume --------------------------------------------- */

static int susp_calls;
static double susp_mono;

static void
susp_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  ++susp_calls;
  susp_mono = mono_now();
}

static void
test_suspend(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  ev_timer t, guard;
  double before, left, resumed, now_s, now_r;
  int expired = 0;

  susp_calls = 0;
  ev_now_update(loop);
  ev_timer_init(&t, susp_cb, 0.2, 0.);
  ev_timer_start(loop, &t);
  before = ev_timer_remaining(loop, &t);
  ev_suspend(loop);
  now_s = ev_now(loop);
  ev_sleep(0.3);
  ev_resume(loop);
  now_r = ev_now(loop);
  resumed = mono_now();
  left = ev_timer_remaining(loop, &t);
  ok(now_r - now_s >= 0.29, "ev_resume updates ev_now (+%.3fs) [%s]",
     now_r - now_s, bn);
  ok(left > 0.15 && left <= before + 1e-6, "a 0.2s timer suspended for "
     "0.3s still has %.3fs left after ev_resume [%s]", left, bn);
  ev_timer_init(&guard, guard_cb, 3., 0.);
  guard.data = &expired;
  ev_timer_start(loop, &guard);
  while (!susp_calls && !expired)
    ev_run(loop, EVRUN_ONCE);
  is_int(susp_calls, 1, "it fires after the resume [%s]", bn);
  ok(susp_calls && susp_mono - resumed >= 0.15, "... about 0.2s later, not "
     "at once (%.3fs) [%s]", susp_mono - resumed, bn);
  ok(susp_calls && susp_mono - resumed < 2., "... and not much later [%s]",
     bn);
  ev_timer_stop(loop, &guard);
  ev_loop_destroy(loop);
}

/* ---- ev_cleanup --------------------------------------------------------- */

struct crec {
  ev_cleanup w;
  int calls;
  int revents;
  int now_ok;
};

static void
cleanup_cb(struct ev_loop *l, ev_cleanup *w, int revents)
{
  struct crec *c = (struct crec *)w;
  ++c->calls;
  c->revents = revents;
  /* The loop is still usable from a cleanup callback. */
  c->now_ok = ev_now(l) > 0.;
}

static void
test_cleanup(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct crec a, b, off;
  double t0;
  int rc;

  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  memset(&off, 0, sizeof off);
  ev_cleanup_init(&a.w, cleanup_cb);
  ev_cleanup_init(&b.w, cleanup_cb);
  ev_cleanup_init(&off.w, cleanup_cb);
  ev_cleanup_start(loop, &a.w);
  ev_cleanup_start(loop, &b.w);
  ev_cleanup_start(loop, &off.w);
  ev_cleanup_stop(loop, &off.w);
  ok(ev_is_active(&a.w), "a started cleanup watcher is active [%s]", bn);

  t0 = mono_now();
  rc = run_guarded(loop, 5.);
  is_int(rc, 0, "cleanup watchers hold no reference: ev_run(0) returns 0 "
         "[%s]", bn);
  ok(mono_now() - t0 < 1., "... at once [%s]", bn);
  is_int(a.calls + b.calls, 0, "running the loop does not invoke them "
         "[%s]", bn);

  ev_loop_destroy(loop);
  is_int(a.calls, 1, "ev_loop_destroy invokes a cleanup watcher once "
         "[%s]", bn);
  is_int(b.calls, 1, "... and every other one [%s]", bn);
  is_hex((unsigned)a.revents, EV_CLEANUP, "... with EV_CLEANUP (0x40000) "
         "[%s]", bn);
  ok(a.now_ok && b.now_ok, "... while the loop is still usable [%s]", bn);
  is_int(off.calls, 0, "a stopped cleanup watcher is not invoked [%s]", bn);
}

/* ---- collect intervals -------------------------------------------------- */

#define GAPS 5

static double stamps[GAPS + 1];
static int nstamps;

static void
stamp_io_cb(struct ev_loop *l, ev_io *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  if (nstamps <= GAPS)
    stamps[nstamps++] = mono_now();
}

static void
stamp_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  if (nstamps <= GAPS)
    stamps[nstamps++] = mono_now();
}

static double
min_gap(void)
{
  double m = 1e9;
  int i;
  for (i = 1; i < nstamps; ++i)
    if (stamps[i] - stamps[i - 1] < m)
      m = stamps[i] - stamps[i - 1];
  return m;
}

static void
test_io_collect(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  ev_io io;
  ev_timer keep;
  int fds[2], i;

  make_pipe(fds);
  if (write(fds[1], "x", 1) != 1)
    bail("write failed");
  /* Always readable (never drained), so every poll returns at once; only
   * the collect sleep spaces the iterations out. */
  ev_io_init(&io, stamp_io_cb, fds[0], EV_READ);
  ev_io_start(loop, &io);
  ev_timer_init(&keep, noop_timer_cb, 10., 0.);
  ev_timer_start(loop, &keep);
  ev_set_io_collect_interval(loop, 0.05);
  nstamps = 0;
  for (i = 0; i < 3 * GAPS && nstamps <= GAPS; ++i)
    ev_run(loop, EVRUN_ONCE);
  is_int(nstamps, GAPS + 1, "an always-ready fd fires once per iteration "
         "[%s]", bn);
  ok(min_gap() >= 0.045, "io collect interval 0.05: the loop sleeps before "
     "each poll that would block (shortest gap %.4fs) [%s]", min_gap(), bn);

  /* EVRUN_NOWAIT never blocks, so it does not sleep either: with a 1s
   * interval a sleep would be unmistakable. */
  ev_set_io_collect_interval(loop, 1.);
  nstamps = 0;
  {
    double t0 = mono_now();
    ev_run(loop, EVRUN_NOWAIT);
    ev_run(loop, EVRUN_NOWAIT);
    ok(mono_now() - t0 < 0.5, "... but EVRUN_NOWAIT, which does not block, "
       "does not sleep (io collect 1s: two runs took %.3fs) [%s]",
       mono_now() - t0, bn);
  }
  ev_io_stop(loop, &io);
  ev_timer_stop(loop, &keep);
  ev_loop_destroy(loop);
  close(fds[0]);
  close(fds[1]);
}

static void
test_timeout_collect(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  ev_timer t, guard;
  int expired = 0;

  ev_timer_init(&t, stamp_timer_cb, 0.001, 0.001);
  ev_timer_start(loop, &t);
  ev_timer_init(&guard, guard_cb, 5., 0.);
  guard.data = &expired;
  ev_timer_start(loop, &guard);
  ev_set_timeout_collect_interval(loop, 0.05);
  nstamps = 0;
  while (nstamps <= GAPS && !expired)
    ev_run(loop, EVRUN_ONCE);
  is_int(nstamps, GAPS + 1, "a 1ms repeating timer keeps firing [%s]", bn);
  ok(min_gap() >= 0.045, "timeout collect interval 0.05: no wait is shorter "
     "than the interval (shortest gap %.4fs) [%s]", min_gap(), bn);
  ev_timer_stop(loop, &t);
  ev_timer_stop(loop, &guard);
  ev_loop_destroy(loop);
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  bflag = b->flag;
  test_once();
  test_suspend();
  test_cleanup();
  test_io_collect();
  test_timeout_collect();
}

int
main(void)
{
  tap_start(60);
  for_each_backend(per_backend);
  return 0;
}
