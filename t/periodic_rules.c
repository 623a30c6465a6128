/* periodic_rules.c - the rules ev_periodic follows on the wall clock.
 *
 * Absolute mode (fires once after `offset`, then inactive), interval mode
 * (`at` is the first offset + N*interval strictly after now, checked for
 * several pairs, and a 0.05 s periodic firing on aligned times), manual
 * mode (reschedule_cb at start and before every callback, its result
 * becomes `at`, a result in the past aborts), ev_periodic_again, stop,
 * periodics before timers in one iteration, and the timerfd the first
 * periodic opens (none with EVFLAG_NOTIMERFD).
 */
#define _GNU_SOURCE
#include "testlib.h"
#include "fdsnap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *bn;
static unsigned int bflag;

struct pprobe {
  ev_periodic w;
  int calls;
  int revents;
  int active_in_cb;
  double now_in_cb;   /* ev_now in the last call */
  double time_in_cb;  /* ev_time in the last call */
  double at_in_cb;    /* ev_periodic_at in the last call */
  double prev_at;     /* `at` before the last fire */
  int late;           /* fires whose now was not past the previous at */
  int misaligned;     /* interval fires whose next at was off the grid */
  int stop_after;     /* stop itself after this many calls (0: never) */
};

static void
pprobe_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
  struct pprobe *p = (struct pprobe *)w;

  ++p->calls;
  p->revents = revents;
  p->active_in_cb = ev_is_active(w) ? 1 : 0;
  p->now_in_cb = ev_now(loop);
  p->time_in_cb = ev_time();
  p->at_in_cb = ev_periodic_at(w);
  if (!(p->now_in_cb > p->prev_at))
    ++p->late;
  if (w->interval > 0. && !w->reschedule_cb) {
    double n = (p->at_in_cb - w->offset) / w->interval;
    if (fabs(n - floor(n + 0.5)) > 1e-3 || !(p->at_in_cb > p->now_in_cb))
      ++p->misaligned;
  }
  p->prev_at = p->at_in_cb;
  if (p->stop_after && p->calls >= p->stop_after)
    ev_periodic_stop(loop, w);
}

static void
noop_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

static void
noop_periodic_cb(struct ev_loop *l, ev_periodic *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

/* ---- absolute mode ------------------------------------------------------ */

static void
test_absolute(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct pprobe p;
  double offset;
  int r;

  memset(&p, 0, sizeof p);
  ev_now_update(loop);
  offset = ev_now(loop) + 0.1;
  ev_periodic_init(&p.w, pprobe_cb, offset, 0., 0);
  ev_periodic_start(loop, &p.w);
  p.prev_at = offset;
  is_double(ev_periodic_at(&p.w), offset, 1e-9, "absolute mode: "
            "ev_periodic_at is the offset [%s]", bn);
  r = run_guarded(loop, 5.);
  is_int(p.calls, 1, "absolute mode fires exactly once [%s]", bn);
  is_hex((unsigned)p.revents, EV_PERIODIC, "... with EV_PERIODIC [%s]", bn);
  ok(p.now_in_cb > offset, "... when ev_now has passed the offset "
     "(now - offset = %.4f) [%s]", p.now_in_cb - offset, bn);
  ok(p.time_in_cb >= offset, "... and the wall clock has too [%s]", bn);
  is_int(p.active_in_cb, 0, "... it is already inactive in its callback "
         "[%s]", bn);
  ok(!ev_is_active(&p.w), "... and stays inactive [%s]", bn);
  is_int(r, 0, "ev_run(0) returns 0 after the one-shot periodic [%s]", bn);
  ev_loop_destroy(loop);
}

/* ---- interval mode ------------------------------------------------------ */

static void
test_interval_arithmetic(void)
{
  static const double pairs[][2] = {
    { 0., 3600. }, { 0., 60. }, { 7.5, 10. }, { 0.25, 0.05 },
    { 1234.5, 86400. }, { 3., 0.7 }, { -5., 13. },
  };
  struct ev_loop *loop = test_loop_new(bflag);
  size_t i;

  ev_now_update(loop);
  for (i = 0; i < sizeof pairs / sizeof pairs[0]; ++i) {
    double off = pairs[i][0], iv = pairs[i][1];
    double now, at, n;
    ev_periodic w;

    ev_periodic_init(&w, noop_periodic_cb, off, iv, 0);
    ev_periodic_start(loop, &w);
    now = ev_now(loop);
    at = ev_periodic_at(&w);
    n = (at - off) / iv;
    ok(at > now && at - iv <= now + 1e-6 && fabs(n - floor(n + 0.5)) < 1e-3,
       "interval mode (%g, %g): at is the first offset + N*interval after "
       "now [%s]", off, iv, bn);
    if (!(at > now && at - iv <= now + 1e-6))
      diag("now %.6f at %.6f (N = %.6f)", now, at, n);
    ev_periodic_stop(loop, &w);
  }

  /* Hourly: an exact hour boundary. */
  {
    ev_periodic w;
    double at;
    ev_periodic_init(&w, noop_periodic_cb, 0., 3600., 0);
    ev_periodic_start(loop, &w);
    at = ev_periodic_at(&w);
    is_double(fmod(at, 3600.), 0., 0., "(0, 3600) lands exactly on an hour "
              "boundary (%.3f) [%s]", at, bn);
    ev_periodic_stop(loop, &w);
  }

  /* An offset in the future is still "offset + N*interval" with N < 0. */
  {
    ev_periodic w;
    double now = ev_now(loop), at;
    ev_periodic_init(&w, noop_periodic_cb, now + 1000.25, 10., 0);
    ev_periodic_start(loop, &w);
    at = ev_periodic_at(&w);
    ok(at > now && at <= now + 10. + 1e-6, "an offset 1000s ahead with "
       "interval 10 fires within the next 10s, not in 1000s [%s]", bn);
    ev_periodic_stop(loop, &w);
  }
  ev_loop_destroy(loop);
}

static void
test_interval_fires(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct pprobe p;
  double at0;

  memset(&p, 0, sizeof p);
  ev_periodic_init(&p.w, pprobe_cb, 0., 0.05, 0);
  ev_periodic_start(loop, &p.w);
  at0 = ev_periodic_at(&p.w);
  p.prev_at = at0;
  wait_calls(loop, &p.calls, 5, 5.);
  is_int(p.calls, 5, "a (0, 0.05) periodic fires repeatedly [%s]", bn);
  is_int(p.late, 0, "... never before its time (ev_now > previous at) "
         "[%s]", bn);
  is_int(p.misaligned, 0, "... and each next at is a multiple of 0.05 after "
         "now [%s]", bn);
  ok(p.active_in_cb && ev_is_active(&p.w), "... it stays active [%s]", bn);
  ok(p.at_in_cb > at0, "... and its at moved forward [%s]", bn);
  ev_periodic_stop(loop, &p.w);
  ok(!ev_is_active(&p.w), "ev_periodic_stop makes it inactive [%s]", bn);
  ev_verify(loop);
  ev_loop_destroy(loop);
}

/* ---- manual mode (reschedule_cb) ---------------------------------------- */

static char rlog[32];
static size_t nrlog;
static double resched_now[8];
static double resched_ret[8];
static int nresched;
static double resched_step = 0.05;

static void
rlog_add(char c)
{
  if (nrlog < sizeof rlog - 1)
    rlog[nrlog++] = c;
}

static ev_tstamp
resched_cb(ev_periodic *w, ev_tstamp now)
{
  double ret = now + resched_step;
  (void)w;
  rlog_add('R');
  if (nresched < 8) {
    resched_now[nresched] = now;
    resched_ret[nresched] = ret;
  }
  ++nresched;
  return ret;
}

static void
resched_fire_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
  struct pprobe *p = (struct pprobe *)w;
  (void)revents;
  rlog_add('C');
  ++p->calls;
  p->now_in_cb = ev_now(loop);
  p->at_in_cb = ev_periodic_at(w);
  if (p->calls >= 2)
    ev_periodic_stop(loop, w);
}

static void
test_reschedule(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct pprobe p;
  double now;

  memset(&p, 0, sizeof p);
  memset(rlog, 0, sizeof rlog);
  nrlog = 0;
  nresched = 0;
  resched_step = 0.05;
  ev_now_update(loop);
  ev_periodic_init(&p.w, resched_fire_cb, 12345., 99., resched_cb);
  ev_periodic_start(loop, &p.w);
  /* Read after the start: libev's first periodic refreshes ev_now. */
  now = ev_now(loop);
  is_int(nresched, 1, "manual mode: reschedule_cb is called by "
         "ev_periodic_start [%s]", bn);
  is_double(resched_now[0], now, 1e-9, "... with now = ev_now [%s]", bn);
  is_double(ev_periodic_at(&p.w), resched_ret[0], 0., "... and its result "
            "is ev_periodic_at (offset and interval ignored) [%s]", bn);

  wait_calls(loop, &p.calls, 2, 5.);
  is_str(rlog, "RRCRC", "reschedule_cb runs before every callback [%s]", bn);
  is_int(nresched, 3, "... once per fire plus once at start [%s]", bn);
  if (nresched >= 3 && p.calls >= 2) {
    is_double(resched_now[2], p.now_in_cb, 1e-9, "... with the loop's now "
              "of the firing iteration [%s]", bn);
    is_double(p.at_in_cb, resched_ret[2], 0., "... and at in the callback is "
              "what it returned [%s]", bn);
  } else {
    skip("did not fire twice", "reschedule now argument [%s]", bn);
    skip("did not fire twice", "reschedule result becomes at [%s]", bn);
  }
  ok(!ev_is_active(&p.w), "the watcher stopped itself [%s]", bn);
  ev_loop_destroy(loop);
}

static ev_tstamp
past_resched_cb(ev_periodic *w, ev_tstamp now)
{
  (void)w;
  /* Fine at start, in the past at fire time. */
  return nresched++ == 0 ? now + 0.02 : now - 1.;
}

static void
past_child(void *arg)
{
  struct ev_loop *loop = test_loop_new(bflag);
  ev_periodic w;

  (void)arg;
  nresched = 0;
  ev_periodic_init(&w, noop_periodic_cb, 0., 0., past_resched_cb);
  ev_periodic_start(loop, &w);
  ev_run(loop, 0);
}

static void
test_reschedule_past(void)
{
  struct child_result res;

  run_in_child(past_child, NULL, 10., &res);
#ifdef EVIX_TEST_LIBEV
  ok(aborted_with(&res, NULL), "a reschedule_cb returning a time in the "
     "past at fire time aborts [%s]", bn);
#else
  ok(aborted_with(&res, "evix: ", "reschedule_cb", "past", NULL),
     "a reschedule_cb returning a time in the past at fire time aborts "
     "with \"reschedule_cb ... past\" [%s]", bn);
#endif
}

/* ---- ev_periodic_again, stop -------------------------------------------- */

static void
test_again_and_stop(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct pprobe p;
  ev_timer keep;
  double at1, at2, now, n;

  memset(&p, 0, sizeof p);
  ev_periodic_init(&p.w, pprobe_cb, 0., 3600., 0);
  ev_periodic_start(loop, &p.w);
  at1 = ev_periodic_at(&p.w);
  p.w.offset = 7.;
  p.w.interval = 60.;
  is_double(ev_periodic_at(&p.w), at1, 0., "changing offset/interval of an "
            "active periodic does not move at by itself [%s]", bn);
  ev_periodic_again(loop, &p.w);
  at2 = ev_periodic_at(&p.w);
  now = ev_now(loop);
  n = (at2 - 7.) / 60.;
  ok(ev_is_active(&p.w) && at2 > now && at2 - 60. <= now + 1e-6
     && fabs(n - floor(n + 0.5)) < 1e-6, "ev_periodic_again re-derives at "
     "from the new (7, 60) [%s]", bn);

  ev_periodic_stop(loop, &p.w);
  ok(!ev_is_active(&p.w), "ev_periodic_stop deactivates it [%s]", bn);
  ev_periodic_again(loop, &p.w);
  ok(ev_is_active(&p.w), "ev_periodic_again on a stopped periodic starts "
     "it [%s]", bn);
  ev_periodic_stop(loop, &p.w);

  /* A stopped periodic does not fire, even when its time passes. */
  ev_now_update(loop);
  ev_periodic_set(&p.w, ev_now(loop) + 0.03, 0., 0);
  ev_periodic_start(loop, &p.w);
  ev_periodic_stop(loop, &p.w);
  ev_timer_init(&keep, noop_timer_cb, 0.1, 0.);
  ev_timer_start(loop, &keep);
  ev_run(loop, 0);
  is_int(p.calls, 0, "a periodic stopped before its time never fires "
         "[%s]", bn);
  ev_verify(loop);
  ev_loop_destroy(loop);
}

/* ---- periodics before timers -------------------------------------------- */

static char order[8];
static size_t norder;
static unsigned int iter_p, iter_t;

static void
order_periodic_cb(struct ev_loop *l, ev_periodic *w, int revents)
{
  (void)w;
  (void)revents;
  iter_p = ev_iteration(l);
  if (norder < sizeof order - 1)
    order[norder++] = 'P';
}

static void
order_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  iter_t = ev_iteration(l);
  if (norder < sizeof order - 1)
    order[norder++] = 'T';
}

static void
test_periodic_before_timer(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  ev_periodic p;
  ev_timer t;

  memset(order, 0, sizeof order);
  norder = 0;
  ev_now_update(loop);
  /* The timer is started first and is due first: order must still put
   * the periodic ahead. */
  ev_timer_init(&t, order_timer_cb, 0.005, 0.);
  ev_timer_start(loop, &t);
  ev_periodic_init(&p, order_periodic_cb, ev_now(loop) + 0.01, 0., 0);
  ev_periodic_start(loop, &p);
  ev_sleep(0.05);
  ev_run(loop, EVRUN_ONCE);
  ev_run(loop, EVRUN_NOWAIT);
  is_str(order, "PT", "a periodic and a timer due in the same iteration: "
         "the periodic is invoked first [%s]", bn);
  ok(iter_p == iter_t && iter_p != 0, "... both in the same iteration "
     "[%s]", bn);
  ev_loop_destroy(loop);
}

/* ---- timerfd ------------------------------------------------------------ */

static void
test_timerfd(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct ev_loop *notfd =
    ev_loop_new(bflag | EVFLAG_NOENV | EVFLAG_NOTIMERFD);
  struct fdsnap before, after;
  ev_periodic p1, p2, q;
  int fds[4], n;
  char kind[128];

  if (!notfd)
    bail("ev_loop_new(%s|NOTIMERFD) failed", bn);
  ev_periodic_init(&p1, order_periodic_cb, 0., 3600., 0);
  ev_periodic_init(&p2, order_periodic_cb, 0., 60., 0);
  ev_periodic_init(&q, order_periodic_cb, 0., 3600., 0);

  fdsnap_take(&before);
  ev_periodic_start(loop, &p1);
  fdsnap_take(&after);
  n = fdsnap_new(&before, &after, fds, 4);
  is_int(n, 1, "the first periodic opens one descriptor [%s]", bn);
  ok(n == 1 && strstr(fd_kind(fds[0], kind, sizeof kind), "timerfd"),
     "... a timerfd (%s) [%s]", n >= 1 ? kind : "none", bn);
  ev_periodic_start(loop, &p2);
  fdsnap_take(&before);
  is_int(fdsnap_new(&after, &before, fds, 4), 0, "a second periodic opens "
         "none [%s]", bn);
  is_int(ev_run(loop, EVRUN_NOWAIT), 2, "the timerfd holds no loop "
         "reference (two periodics: refcount 2) [%s]", bn);
  ev_periodic_stop(loop, &p1);
  ev_periodic_stop(loop, &p2);

  fdsnap_take(&before);
  ev_periodic_start(notfd, &q);
  fdsnap_take(&after);
  is_int(fdsnap_new(&before, &after, fds, 4), 0, "with EVFLAG_NOTIMERFD the "
         "first periodic opens no descriptor [%s]", bn);
  ev_periodic_stop(notfd, &q);
  ev_loop_destroy(loop);
  ev_loop_destroy(notfd);
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  bflag = b->flag;
  test_absolute();
  test_interval_arithmetic();
  test_interval_fires();
  test_reschedule();
  test_reschedule_past();
  test_again_and_stop();
  test_periodic_before_timer();
  test_timerfd();
}

int
main(void)
{
  tap_start(60);
  for_each_backend(per_backend);
  return 0;
}
