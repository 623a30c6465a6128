/* idle_prepare_check.c - ev_prepare, ev_check and ev_idle.
 *
 * Prepare watchers run before the loop waits and check watchers after it;
 * idle watchers keep the loop from blocking and run only when nothing of
 * the same or higher priority is pending (the lock-out model).  Also the
 * order of same-priority callbacks in one iteration, starting and stopping
 * these watchers from callbacks, and a hundred of each.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a log of callbacks ------------------------------------------------ */

#define LOG_MAX 64

struct entry {
  char tag;      /* one letter naming the watcher */
  unsigned iter; /* ev_iteration() at the call */
  double mono;   /* mono_now() at the call */
};

static struct entry log_e[LOG_MAX];
static int log_len;

static void
log_reset(void)
{
  log_len = 0;
}

static void
log_add(struct ev_loop *loop, char tag)
{
  if (log_len < LOG_MAX) {
    log_e[log_len].tag = tag;
    log_e[log_len].iter = ev_iteration(loop);
    log_e[log_len].mono = mono_now();
    ++log_len;
  }
}

/* The tags in order, as a string. */
static const char *
log_str(void)
{
  static char s[LOG_MAX + 1];
  int i;
  for (i = 0; i < log_len; ++i)
    s[i] = log_e[i].tag;
  s[log_len] = 0;
  return s;
}

static int
log_find(char tag)
{
  int i;
  for (i = 0; i < log_len; ++i)
    if (log_e[i].tag == tag)
      return i;
  return -1;
}

static int
log_find_last(char tag)
{
  int i;
  for (i = log_len; i--;)
    if (log_e[i].tag == tag)
      return i;
  return -1;
}

/* ---- watchers that log -------------------------------------------------
 * Every watcher type here shares one record layout: the watcher first,
 * then a tag and a few knobs.  One callback handles all types. */

struct rec {
  union {
    ev_watcher w;
    ev_prepare prepare;
    ev_check check;
    ev_idle idle;
    ev_timer timer;
    ev_io io;
  } u;
  int kind; /* EV_PREPARE, EV_CHECK, EV_IDLE, EV_TIMER or EV_READ */
  char tag;
  int calls;
  int revents;
  unsigned iter;
  int stop_self;
  int restart_self;  /* stop and start again in the callback */
  struct rec *start_other; /* start this one from the first call */
  ev_timer *start_timer;   /* start this timer from the first call */
  int drain;
};

static void
rec_stop(struct ev_loop *loop, struct rec *r)
{
  switch (r->kind) {
  case EV_PREPARE: ev_prepare_stop(loop, &r->u.prepare); break;
  case EV_CHECK: ev_check_stop(loop, &r->u.check); break;
  case EV_IDLE: ev_idle_stop(loop, &r->u.idle); break;
  case EV_TIMER: ev_timer_stop(loop, &r->u.timer); break;
  default: ev_io_stop(loop, &r->u.io); break;
  }
}

static void
rec_start(struct ev_loop *loop, struct rec *r)
{
  switch (r->kind) {
  case EV_PREPARE: ev_prepare_start(loop, &r->u.prepare); break;
  case EV_CHECK: ev_check_start(loop, &r->u.check); break;
  case EV_IDLE: ev_idle_start(loop, &r->u.idle); break;
  case EV_TIMER: ev_timer_start(loop, &r->u.timer); break;
  default: ev_io_start(loop, &r->u.io); break;
  }
}

static void
rec_cb(struct ev_loop *loop, struct rec *r, int revents)
{
  ++r->calls;
  r->revents = revents;
  r->iter = ev_iteration(loop);
  log_add(loop, r->tag);
  if (r->drain) {
    char buf[256];
    while (read(r->u.io.fd, buf, sizeof buf) > 0)
      ;
  }
  if (r->stop_self || r->restart_self)
    rec_stop(loop, r);
  if (r->restart_self)
    rec_start(loop, r);
  if (r->start_other) {
    rec_start(loop, r->start_other);
    r->start_other = NULL;
  }
  if (r->start_timer) {
    ev_timer_start(loop, r->start_timer);
    r->start_timer = NULL;
  }
}

static void
prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
  rec_cb(loop, (struct rec *)w, revents);
}

static void
check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
  rec_cb(loop, (struct rec *)w, revents);
}

static void
idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
  rec_cb(loop, (struct rec *)w, revents);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  rec_cb(loop, (struct rec *)w, revents);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  rec_cb(loop, (struct rec *)w, revents);
}

static void
rec_clear(struct rec *r, int kind, char tag)
{
  memset(r, 0, sizeof *r);
  r->kind = kind;
  r->tag = tag;
}

static void
new_prepare(struct rec *r, char tag, int pri)
{
  rec_clear(r, EV_PREPARE, tag);
  ev_prepare_init(&r->u.prepare, prepare_cb);
  ev_set_priority(&r->u.prepare, pri);
}

static void
new_check(struct rec *r, char tag, int pri)
{
  rec_clear(r, EV_CHECK, tag);
  ev_check_init(&r->u.check, check_cb);
  ev_set_priority(&r->u.check, pri);
}

static void
new_idle(struct rec *r, char tag, int pri)
{
  rec_clear(r, EV_IDLE, tag);
  ev_idle_init(&r->u.idle, idle_cb);
  ev_set_priority(&r->u.idle, pri);
}

static void
new_timer(struct rec *r, char tag, int pri, double after)
{
  rec_clear(r, EV_TIMER, tag);
  ev_timer_init(&r->u.timer, timer_cb, after, 0.);
  ev_set_priority(&r->u.timer, pri);
}

static void
new_io(struct rec *r, char tag, int pri, int fd)
{
  rec_clear(r, EV_READ, tag);
  ev_io_init(&r->u.io, io_cb, fd, EV_READ);
  ev_set_priority(&r->u.io, pri);
}

/* ---- prepare, wait, check ---------------------------------------------- */

static void
test_phases(struct ev_loop *loop, const char *be)
{
  struct rec p, c, t;
  int ip, ic, it;
  double expiry;

  log_reset();
  new_prepare(&p, 'P', 0);
  new_check(&c, 'C', 0);
  new_timer(&t, 'T', 0, 0.03);
  rec_start(loop, &p);
  rec_start(loop, &c);
  ev_now_update(loop);
  rec_start(loop, &t);
  expiry = t.u.timer.at;
  ev_run(loop, EVRUN_ONCE);
  while (!t.calls && log_len < LOG_MAX - 4) /* a wake-up may come early */
    ev_run(loop, EVRUN_ONCE);

  ip = log_find('P');
  ic = log_find('C');
  it = log_find('T');
  ok(ip >= 0 && ic > ip && it > ip,
     "prepare runs before check and timer (%s) [%s]", log_str(), be);
  ok(ip >= 0 && log_e[ip].mono < expiry,
     "prepare ran before the 30 ms wait [%s]", be);
  /* The last check belongs to the iteration that fired the timer. */
  ic = log_find_last('C');
  ok(ic >= 0 && it >= 0 && log_e[ic].iter == log_e[it].iter &&
       log_e[ic].mono > expiry,
     "check ran after the wait, in the timer's iteration [%s]", be);
  ok(ic >= 0 && it >= 0 && ic < it,
     "check callbacks run before the timer of the same priority [%s]", be);
  ok(log_e[0].tag == 'P' && log_e[1].tag == 'C' &&
       log_e[1].iter == log_e[0].iter + 1,
     "ev_iteration advances between prepare and check [%s]", be);

  log_reset();
  run_nowait(loop, 3);
  is_str(log_str(), "PCPCPC",
         "each iteration: one prepare, then one check [%s]", be);
  rec_stop(loop, &p);
  rec_stop(loop, &c);
}

/* A prepare callback that starts a 0 s timer shortens that iteration's
 * wait: the timer fires in the same iteration. */
static void
test_prepare_starts_timer(struct ev_loop *loop, const char *be)
{
  struct rec p, c, z, far;
  double t0;

  log_reset();
  new_timer(&far, 'F', 0, 5.);
  new_timer(&z, 'Z', 0, 0.);
  new_prepare(&p, 'P', 0);
  new_check(&c, 'C', 0);
  p.start_timer = &z.u.timer;
  rec_start(loop, &far);
  rec_start(loop, &p);
  rec_start(loop, &c);
  t0 = mono_now();
  ev_run(loop, EVRUN_ONCE);
  ok(mono_now() - t0 < 2.,
     "EVRUN_ONCE with a 5 s timer returns at once when a prepare starts a "
     "0 s timer [%s]", be);
  is_int(z.calls, 1, "that timer fired during the same ev_run [%s]", be);
  ok(z.calls == 1 && c.calls == 1 && z.iter == c.iter,
     "in the same iteration as the check [%s]", be);
  rec_stop(loop, &p);
  rec_stop(loop, &c);
  rec_stop(loop, &far);
}

/* ---- idle keeps the loop from blocking ------------------------------- */

static void
test_idle_nonblocking(struct ev_loop *loop, const char *be)
{
  struct rec i, far;
  double t0;
  int k;

  new_timer(&far, 'F', 0, 5.);
  new_idle(&i, 'I', 0);
  rec_start(loop, &far);
  rec_start(loop, &i);
  ok(ev_is_active(&i.u.idle), "started idle watcher is active [%s]", be);
  t0 = mono_now();
  for (k = 0; k < 5; ++k)
    ev_run(loop, EVRUN_ONCE);
  ok(mono_now() - t0 < 2.,
     "five EVRUN_ONCE with a 5 s timer and an idle do not block [%s]", be);
  is_int(i.calls, 5, "idle called once per iteration [%s]", be);
  is_hex(i.revents, EV_IDLE, "with EV_IDLE [%s]", be);
  rec_stop(loop, &i);
  ok(!ev_is_active(&i.u.idle), "stopped idle watcher is inactive [%s]", be);

  /* A locked-out idle watcher also keeps the loop from blocking. */
  {
    int sp[2];
    struct rec io;
    make_socketpair(sp);
    put_byte(sp[1]);
    new_io(&io, 'R', 0, sp[0]);
    new_idle(&i, 'I', -2);
    rec_start(loop, &io);
    rec_start(loop, &i);
    ev_run(loop, EVRUN_NOWAIT);
    io.drain = 1; /* it has fired once; now it only consumes */
    t0 = mono_now();
    ev_run(loop, EVRUN_ONCE);
    ok(mono_now() - t0 < 2.,
       "an idle at the lowest priority still prevents blocking [%s]", be);
    rec_stop(loop, &io);
    rec_stop(loop, &i);
    close(sp[0]);
    close(sp[1]);
  }
  rec_stop(loop, &far);
}

/* ---- idle and priorities (the lock-out model) ------------------------- */

static void
test_idle_lockout(struct ev_loop *loop, const char *be)
{
  int sp[2];
  struct rec io, i, j, t, c, pr;

  make_socketpair(sp);
  put_byte(sp[1]); /* the socket stays readable: the io fires each time */

  /* Same priority: the io event locks the idle out. */
  new_io(&io, 'R', 0, sp[0]);
  new_idle(&i, 'I', 0);
  rec_start(loop, &io);
  rec_start(loop, &i);
  run_nowait(loop, 3);
  ok(io.calls == 3 && i.calls == 0,
     "io pending at the same priority: idle never runs (%d) [%s]", i.calls,
     be);
  rec_stop(loop, &io);
  run_nowait(loop, 1);
  is_int(i.calls, 1, "once the io is stopped the idle runs [%s]", be);

  /* io at a lower priority does not lock a higher idle out. */
  ev_set_priority(&io.u.io, -1);
  rec_start(loop, &io);
  io.calls = i.calls = 0;
  run_nowait(loop, 1);
  ok(io.calls == 1 && i.calls == 1 && io.iter == i.iter,
     "io at -1 and idle at 0 both run in one iteration [%s]", be);
  rec_stop(loop, &io);
  rec_stop(loop, &i);

  /* Higher idle, lower io: runs.  Lower idle, higher io: locked out. */
  ev_set_priority(&io.u.io, 0);
  new_idle(&i, 'I', 1);
  new_idle(&j, 'J', -1);
  rec_start(loop, &io);
  rec_start(loop, &i);
  run_nowait(loop, 2);
  is_int(i.calls, 2, "idle at +1 runs while io at 0 is pending [%s]", be);
  rec_stop(loop, &i);
  rec_start(loop, &j);
  run_nowait(loop, 2);
  is_int(j.calls, 0, "idle at -1 waits while io at 0 is pending [%s]", be);
  rec_stop(loop, &io);
  rec_stop(loop, &j);

  /* Prepare and check watchers are not events. */
  new_prepare(&pr, 'P', 2);
  new_check(&c, 'C', 2);
  new_idle(&i, 'I', 0);
  rec_start(loop, &pr);
  rec_start(loop, &c);
  rec_start(loop, &i);
  run_nowait(loop, 2);
  ok(i.calls == 2 && c.calls == 2 && pr.calls == 2,
     "prepare and check at +2 do not lock out an idle at 0 [%s]", be);
  rec_stop(loop, &pr);
  rec_stop(loop, &c);

  /* A pending timer locks it out for one iteration. */
  new_timer(&t, 'T', 0, -1.);
  rec_start(loop, &t);
  i.calls = 0;
  run_nowait(loop, 1);
  ok(t.calls == 1 && i.calls == 0,
     "a timer firing at the same priority locks the idle out [%s]", be);
  run_nowait(loop, 1);
  is_int(i.calls, 1, "the idle runs in the next iteration [%s]", be);
  rec_stop(loop, &i);

  /* The model from the reference: a timer and an io pending at 0, idles
   * at 0 and -1 that stop themselves. */
  log_reset();
  new_timer(&t, 'T', 0, -1.);
  new_io(&io, 'R', 0, sp[0]);
  io.stop_self = 1;
  new_idle(&i, 'I', 0);
  new_idle(&j, 'J', -1);
  i.stop_self = j.stop_self = 1;
  rec_start(loop, &t);
  rec_start(loop, &io);
  rec_start(loop, &i);
  rec_start(loop, &j);
  run_nowait(loop, 1);
  ok(t.calls == 1 && io.calls == 1 && i.calls == 0 && j.calls == 0,
     "iteration 1: timer and io run, both idles wait [%s]", be);
  run_nowait(loop, 1);
  ok(i.calls == 1 && j.calls == 0,
     "iteration 2: only the idle at priority 0 runs [%s]", be);
  run_nowait(loop, 1);
  ok(i.calls == 1 && j.calls == 1,
     "iteration 3: the idle at priority -1 runs [%s]", be);
  is_str(log_str(), "TRIJ", "whole sequence [%s]", be);

  /* While the higher idle stays active the lower one never runs. */
  new_idle(&i, 'I', 0);
  new_idle(&j, 'J', -1);
  rec_start(loop, &i);
  rec_start(loop, &j);
  run_nowait(loop, 3);
  ok(i.calls == 3 && j.calls == 0,
     "only the highest-priority idle group runs (%d, %d) [%s]", i.calls,
     j.calls, be);
  /* Idles of the same priority all run together. */
  rec_stop(loop, &j);
  ev_set_priority(&j.u.idle, 0);
  rec_start(loop, &j);
  i.calls = 0;
  run_nowait(loop, 2);
  ok(i.calls == 2 && j.calls == 2 && i.iter == j.iter,
     "two idles of the same priority both run each iteration [%s]", be);
  rec_stop(loop, &i);
  rec_stop(loop, &j);
  close(sp[0]);
  close(sp[1]);
}

/* ---- callback order within one priority ------------------------------ */

static void
test_same_priority_order(struct ev_loop *loop, const char *be)
{
  int sp[2];
  struct rec c, t1, t2, io, i;

  make_socketpair(sp);
  put_byte(sp[1]);
  log_reset();
  new_check(&c, 'C', 0);
  new_timer(&t1, 'A', 0, -0.002); /* expires first */
  new_timer(&t2, 'B', 0, -0.001);
  new_io(&io, 'R', 0, sp[0]);
  io.drain = 1;
  rec_start(loop, &io);
  rec_start(loop, &t2);
  rec_start(loop, &t1);
  rec_start(loop, &c);
  run_nowait(loop, 1);
  is_str(log_str(), "CABR",
         "one iteration at priority 0: check, timers earliest first, then "
         "io [%s]", be);
  rec_stop(loop, &io);

  /* Check before idle (an idle cannot share an iteration with events of
   * its own priority). */
  log_reset();
  new_idle(&i, 'I', 0);
  rec_start(loop, &i);
  run_nowait(loop, 1);
  is_str(log_str(), "CI", "check runs before idle of the same priority [%s]",
         be);
  rec_stop(loop, &i);
  rec_stop(loop, &c);
  close(sp[0]);
  close(sp[1]);
}

/* ---- start and stop from callbacks ----------------------------------- */

static void
test_self_start_stop(struct ev_loop *loop, const char *be)
{
  struct rec p, c, i, p2, c2;

  new_prepare(&p, 'P', 0);
  new_check(&c, 'C', 0);
  new_idle(&i, 'I', 0);
  p.stop_self = c.stop_self = i.stop_self = 1;
  rec_start(loop, &p);
  rec_start(loop, &c);
  rec_start(loop, &i);
  run_nowait(loop, 3);
  ok(p.calls == 1 && !ev_is_active(&p.u.prepare),
     "prepare that stops itself runs once [%s]", be);
  ok(c.calls == 1 && !ev_is_active(&c.u.check),
     "check that stops itself runs once [%s]", be);
  ok(i.calls == 1 && !ev_is_active(&i.u.idle),
     "idle that stops itself runs once [%s]", be);

  /* Stop and start again in the callback: still once per iteration. */
  new_prepare(&p, 'P', 0);
  new_check(&c, 'C', 0);
  new_idle(&i, 'I', 0);
  p.restart_self = c.restart_self = i.restart_self = 1;
  rec_start(loop, &p);
  rec_start(loop, &c);
  rec_start(loop, &i);
  run_nowait(loop, 3);
  ok(p.calls == 3 && c.calls == 3 && i.calls == 3,
     "prepare, check and idle restarting themselves run once per "
     "iteration (%d, %d, %d) [%s]", p.calls, c.calls, i.calls, be);
  ok(ev_is_active(&p.u.prepare) && ev_is_active(&c.u.check) &&
       ev_is_active(&i.u.idle),
     "and stay active [%s]", be);
  rec_stop(loop, &p);
  rec_stop(loop, &c);
  rec_stop(loop, &i);

  /* Started from a callback of its own kind: from the next iteration. */
  new_prepare(&p, 'P', 0);
  new_prepare(&p2, 'Q', 0);
  new_check(&c, 'C', 0);
  new_check(&c2, 'D', 0);
  p.start_other = &p2;
  c.start_other = &c2;
  rec_start(loop, &p);
  rec_start(loop, &c);
  run_nowait(loop, 1);
  ok(ev_is_active(&p2.u.prepare) && p2.calls == 0,
     "prepare started by a prepare is not called in that phase [%s]", be);
  ok(ev_is_active(&c2.u.check) && c2.calls == 0,
     "check started by a check is not called in that phase [%s]", be);
  run_nowait(loop, 1);
  ok(p2.calls == 1 && c2.calls == 1,
     "both run from the next iteration on [%s]", be);

  /* An idle started from a check runs in the following iteration. */
  new_idle(&i, 'I', 0);
  c2.start_other = &i;
  run_nowait(loop, 1);
  is_int(i.calls, 0, "idle started from a check: not yet [%s]", be);
  run_nowait(loop, 1);
  is_int(i.calls, 1, "it runs in the next iteration [%s]", be);
  rec_stop(loop, &p);
  rec_stop(loop, &p2);
  rec_stop(loop, &c);
  rec_stop(loop, &c2);
  rec_stop(loop, &i);
  ev_verify(loop);
}

/* ---- a hundred prepares and checks ------------------------------------ */

#define HUNDRED 100

static struct rec hp[HUNDRED], hc[HUNDRED];
static int hundred_stop_odd; /* the first caller stops the odd others */

static void
hundred_cb(struct ev_loop *loop, struct rec *all, struct rec *self)
{
  int k;
  ++self->calls;
  if (hundred_stop_odd) {
    hundred_stop_odd = 0;
    for (k = 1; k < HUNDRED; k += 2)
      if (&all[k] != self)
        rec_stop(loop, &all[k]);
  }
}

static void
hp_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
  (void)revents;
  hundred_cb(loop, hp, (struct rec *)w);
}

static void
hc_cb(struct ev_loop *loop, ev_check *w, int revents)
{
  (void)revents;
  hundred_cb(loop, hc, (struct rec *)w);
}

static int
calls_sum(const struct rec *r)
{
  int k, n = 0;
  for (k = 0; k < HUNDRED; ++k)
    n += r[k].calls;
  return n;
}

static int
calls_all(const struct rec *r, int want, int step)
{
  int k;
  for (k = 0; k < HUNDRED; k += step)
    if (r[k].calls != want)
      return 0;
  return 1;
}

static void
test_hundred(struct ev_loop *loop, const char *be, struct rec *r,
             const char *what)
{
  int k, active = 1, sum;

  for (k = 0; k < HUNDRED; ++k) {
    if (r == hp)
      new_prepare(&r[k], 'p', 0);
    else
      new_check(&r[k], 'c', 0);
    if (r == hp)
      ev_set_cb(&r[k].u.prepare, hp_cb);
    else
      ev_set_cb(&r[k].u.check, hc_cb);
    rec_start(loop, &r[k]);
    if (!ev_is_active(&r[k].u.w))
      active = 0;
  }
  ok(active, "%d %ss are all active [%s]", HUNDRED, what, be);
  run_nowait(loop, 5);
  ok(calls_all(r, 5, 1), "each of %d %ss runs once per iteration [%s]",
     HUNDRED, what, be);

  /* Whichever runs first stops the odd-numbered others, which are
   * already queued for this iteration: they must not run. */
  for (k = 0; k < HUNDRED; ++k)
    r[k].calls = 0;
  hundred_stop_odd = 1;
  run_nowait(loop, 1);
  sum = calls_sum(r);
  ok(calls_all(r, 1, 2) && (sum == HUNDRED / 2 || sum == HUNDRED / 2 + 1),
     "%ss stopped by an earlier %s in the same phase do not run (%d "
     "calls) [%s]", what, what, sum, be);
  for (k = 0; k < HUNDRED; ++k)
    r[k].calls = 0;
  run_nowait(loop, 2);
  sum = calls_sum(r);
  ok(calls_all(r, 2, 2) && (sum == HUNDRED || sum == HUNDRED + 2),
     "afterwards only the remaining %ss run [%s]", what, be);
  for (k = 0; k < HUNDRED; ++k)
    rec_stop(loop, &r[k]);
  for (k = 0; k < HUNDRED; ++k)
    if (ev_is_active(&r[k].u.w))
      active = 0;
  ok(active, "all %d %ss stop [%s]", HUNDRED, what, be);
  for (k = 0; k < HUNDRED; ++k)
    r[k].calls = 0;
  run_nowait(loop, 1);
  is_int(calls_sum(r), 0, "no %s runs after stopping [%s]", what, be);
  ev_verify(loop);
}

static void
run_backend(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  const char *be = b->name;

  test_phases(loop, be);
  test_prepare_starts_timer(loop, be);
  test_idle_nonblocking(loop, be);
  test_idle_lockout(loop, be);
  test_same_priority_order(loop, be);
  test_self_start_stop(loop, be);
  test_hundred(loop, be, hp, "prepare");
  test_hundred(loop, be, hc, "check");
  ev_verify(loop);
  ev_loop_destroy(loop);
}

int
main(void)
{
  tap_start(60);
  for_each_backend(run_backend);
  return 0;
}
