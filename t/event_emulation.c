/* event_emulation.c - the libevent 1.4 emulation (event.h, event_*).
 *
 * First the way elinks, the one packaged user, drives it: its own bases
 * from event_base_new, persistent read events with and without a
 * timeout, single iterations, event_del and event_base_free.  Then the
 * rest of the interface: one-shot versus persistent events, timers and
 * their macros, event_pending with its timeval, event_active, the once
 * functions, loopexit, signal events, fd errors, priorities, event_init
 * and the default loop, and the functions without a base argument.
 *
 * Built against evix's event.h and libevix, and against the system
 * libev's event.h with -lev; both must pass.  A struct event_base is a
 * struct ev_loop in both, so most tests make their base with
 * test_loop_new() to run on every backend.
 */
#define _GNU_SOURCE
#include "testlib.h"

/* The libev build needs libev's event.h (Debian: libev-libevent-dev).  If
 * the system's event.h is libevent's own, or there is none, the program
 * only reports a skip. */
#if defined(EVIX_TEST_LIBEV) && defined(__has_include)
#if !__has_include(<event.h>) || __has_include(<event2/event.h>)
#define NO_LIBEV_EVENT_H 1
#endif
#endif

#ifndef NO_LIBEV_EVENT_H
#include <event.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALL_EVENTS (EV_READ | EV_WRITE | EV_TIMEOUT | EV_SIGNAL)

/* What one event's callback saw. */
struct rec {
  struct event ev;
  int id;
  int calls;
  int fd;          /* fd argument of the last call */
  int res;         /* events argument of the last call */
  void *arg;       /* arg argument of the last call */
  int ev_res;      /* ev.ev_res in the last call */
  int flags_in_cb; /* ev.ev_flags in the last call */
  int pend_in_cb;  /* event_pending(all) in the last call */
  double mono;     /* mono_now() of the first call */
  int drain;       /* read the fd empty in the callback */
  int readd;       /* event_add(ev, NULL) again this many times */
};

/* Order of callbacks across one test. */
#define LOG_MAX 8
static int log_ids[LOG_MAX];
static int log_len;

static void
rec_cb(int fd, short res, void *arg)
{
  struct rec *r = (struct rec *)arg;

  if (!r->calls)
    r->mono = mono_now();
  ++r->calls;
  r->fd = fd;
  r->res = res;
  r->arg = arg;
  r->ev_res = r->ev.ev_res;
  r->flags_in_cb = r->ev.ev_flags;
  r->pend_in_cb = event_pending(&r->ev, ALL_EVENTS, NULL);
  if (log_len < LOG_MAX)
    log_ids[log_len++] = r->id;
  if (r->drain) {
    char buf[256];
    while (read(fd, buf, sizeof buf) > 0)
      ;
  }
  if (r->readd > 0) {
    --r->readd;
    event_add(&r->ev, NULL);
  }
}

static void
rec_reset(struct rec *r, int id)
{
  memset(r, 0, sizeof *r);
  r->id = id;
}

static struct event_base *
base_for(const struct test_backend *b)
{
  return (struct event_base *)test_loop_new(b->flag);
}

static struct ev_loop *
loop_of(struct event_base *base)
{
  return (struct ev_loop *)base;
}

/* Single iterations until `r` has `want` calls or `seconds` pass. */
static int
spin(struct event_base *base, const struct rec *r, int want, double seconds)
{
  double end = mono_now() + seconds;
  while (r->calls < want && mono_now() < end)
    event_base_loop(base, EVLOOP_ONCE);
  return r->calls >= want;
}

static struct timeval
tv_of(double seconds)
{
  struct timeval tv;
  tv.tv_sec = (time_t)seconds;
  tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
  return tv;
}

/* ---- elinks: event_base_new, persistent reads, single iterations -------- */

/* event_base_new() is ev_loop_new(0), which reads LIBEV_FLAGS: that is how
 * a program's own base can be put on each backend. */
static struct event_base *
base_new_on(unsigned int flag)
{
  char num[16];
  struct event_base *base;

  snprintf(num, sizeof num, "%u", flag);
  setenv("LIBEV_FLAGS", num, 1);
  base = event_base_new();
  unsetenv("LIBEV_FLAGS");
  return base;
}

static void
test_elinks(const struct test_backend *b)
{
  const char *be = b->name;
  struct event_base *base = base_new_on(b->flag);
  struct rec r;
  struct timeval tv;
  int p[2], ret;

  if (!ok(base != NULL, "event_base_new returns a base [%s]", be))
    return;
  ok(!ev_is_default_loop(loop_of(base)),
     "event_base_new's base is not the default loop [%s]", be);
  is_hex(ev_backend(loop_of(base)), b->flag,
         "event_base_new's base is a loop on the requested backend [%s]", be);

  make_pipe(p);
  rec_reset(&r, 1);
  r.drain = 1;
  event_set(&r.ev, p[0], EV_READ | EV_PERSIST, rec_cb, &r);
  is_hex(r.ev.ev_flags, EVLIST_INIT, "event_set: ev_flags is EVLIST_INIT [%s]",
         be);
  is_int(r.ev.ev_fd, p[0], "event_set stores the fd [%s]", be);
  is_hex(r.ev.ev_events, EV_READ | EV_PERSIST,
         "event_set stores the events [%s]", be);
  is_int(event_base_set(base, &r.ev), 0, "event_base_set returns 0 [%s]", be);
  ok(r.ev.ev_base == base, "event_base_set stores the base [%s]", be);

  is_int(event_add(&r.ev, NULL), 0, "event_add returns 0 [%s]", be);
  is_hex(r.ev.ev_flags, EVLIST_INIT | EVLIST_ACTIVE | EVLIST_INSERTED,
         "event_add without timeout: INIT|ACTIVE|INSERTED [%s]", be);
  is_hex(event_pending(&r.ev, ALL_EVENTS, NULL), EV_READ,
         "event_pending: registered for EV_READ only [%s]", be);

  ret = event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(r.calls, 0, "nothing to read: no callback [%s]", be);
  is_int(ret, 0, "event_base_loop returns 0 while events remain [%s]", be);

  put_byte(p[1]);
  spin(base, &r, 1, 5.);
  is_int(r.calls, 1, "readable pipe: callback called [%s]", be);
  is_int(r.fd, p[0], "callback gets the fd [%s]", be);
  is_hex((unsigned int)r.res, EV_READ, "callback gets EV_READ [%s]", be);
  ok(r.arg == &r, "callback gets its argument [%s]", be);
  is_hex((unsigned int)r.ev_res, EV_READ, "ev_res holds EV_READ [%s]", be);
  is_hex((unsigned int)r.pend_in_cb, EV_READ,
         "EV_PERSIST: still registered inside the callback [%s]", be);

  put_byte(p[1]);
  spin(base, &r, 2, 5.);
  is_int(r.calls, 2, "EV_PERSIST: the next byte calls it again [%s]", be);

  /* With a timeout and nothing to read, the timeout ends the event. */
  tv = tv_of(0.05);
  is_int(event_add(&r.ev, &tv), 0, "event_add with a timeout returns 0 [%s]",
         be);
  is_hex(r.ev.ev_flags,
         EVLIST_INIT | EVLIST_ACTIVE | EVLIST_INSERTED | EVLIST_TIMEOUT,
         "event_add with timeout: INIT|ACTIVE|INSERTED|TIMEOUT [%s]", be);
  spin(base, &r, 3, 5.);
  is_int(r.calls, 3, "timeout: callback called [%s]", be);
  is_hex((unsigned int)r.res, EV_TIMEOUT,
         "timeout: callback gets EV_TIMEOUT [%s]", be);
  is_int(r.fd, p[0], "timeout: callback still gets the fd [%s]", be);
  is_hex(r.flags_in_cb, EVLIST_INIT,
         "timeout removes even a persistent event before the callback [%s]",
         be);
  is_int(r.pend_in_cb, 0, "timeout: nothing pending inside the callback [%s]",
         be);
  ret = event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(ret, 1, "event_base_loop returns 1 once no event is left [%s]", be);

  /* Re-added, then deleted: a byte is not reported any more. */
  event_add(&r.ev, NULL);
  is_int(event_del(&r.ev), 0, "event_del returns 0 [%s]", be);
  is_hex(r.ev.ev_flags, EVLIST_INIT, "event_del: ev_flags back to INIT [%s]",
         be);
  is_int(event_pending(&r.ev, ALL_EVENTS, NULL), 0,
         "event_del: nothing pending [%s]", be);
  put_byte(p[1]);
  event_base_loop(base, EVLOOP_NONBLOCK);
  event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(r.calls, 3, "event_del: no callback for new data [%s]", be);

  /* And added again after event_del, it works as before. */
  event_add(&r.ev, NULL);
  spin(base, &r, 4, 5.);
  is_int(r.calls, 4, "added again after event_del: called [%s]", be);
  event_del(&r.ev);

  ev_verify(loop_of(base));
  event_base_free(base);
  close(p[0]);
  close(p[1]);
}

/* ---- one-shot versus persistent, EV_WRITE -------------------------------- */

static void
test_oneshot(const struct test_backend *b)
{
  const char *be = b->name;
  struct event_base *base = base_for(b);
  struct rec r, w;
  int p[2];

  make_pipe(p);
  rec_reset(&r, 1);
  event_set(&r.ev, p[0], EV_READ, rec_cb, &r);
  event_base_set(base, &r.ev);
  event_add(&r.ev, NULL);
  put_byte(p[1]);
  spin(base, &r, 1, 5.);
  is_int(r.calls, 1, "one-shot read: called [%s]", be);
  is_hex(r.flags_in_cb, EVLIST_INIT,
         "one-shot: removed before its callback runs [%s]", be);
  is_int(r.pend_in_cb, 0, "one-shot: not pending inside the callback [%s]", be);
  /* The byte is still unread, but the event is gone. */
  event_base_loop(base, EVLOOP_NONBLOCK);
  event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(r.calls, 1, "one-shot: not called again though still readable [%s]",
         be);

  /* A callback may add its one-shot event again. */
  r.readd = 2;
  event_add(&r.ev, NULL);
  spin(base, &r, 4, 5.);
  is_int(r.calls, 4, "one-shot re-added from its callback fires again [%s]",
         be);
  is_int(event_pending(&r.ev, EV_READ, NULL), 0,
         "one-shot not re-added: gone [%s]", be);
  is_int(event_base_loop(base, EVLOOP_NONBLOCK), 1,
         "nothing left: event_base_loop returns 1 [%s]", be);

  rec_reset(&w, 2);
  event_set(&w.ev, p[1], EV_WRITE, rec_cb, &w);
  event_base_set(base, &w.ev);
  event_add(&w.ev, NULL);
  spin(base, &w, 1, 5.);
  is_int(w.calls, 1, "one-shot write: called once [%s]", be);
  is_hex((unsigned int)w.res, EV_WRITE, "write: callback gets EV_WRITE [%s]",
         be);

  /* EV_ET is accepted (and ignored). */
  rec_reset(&w, 3);
  event_set(&w.ev, p[1], EV_WRITE | EV_PERSIST | EV_ET, rec_cb, &w);
  event_base_set(base, &w.ev);
  event_add(&w.ev, NULL);
  spin(base, &w, 3, 5.);
  is_int(w.calls, 3,
         "EV_ET|EV_PERSIST write: level-triggered, called every time [%s]", be);
  event_del(&w.ev);

  ev_verify(loop_of(base));
  event_base_free(base);
  close(p[0]);
  close(p[1]);
}

/* ---- timers -------------------------------------------------------------- */

struct ticker {
  struct event ev;
  int fd;
  double every;
  int ticks;
};

static void
tick_cb(int fd, short res, void *arg)
{
  struct ticker *t = (struct ticker *)arg;
  struct timeval tv = tv_of(t->every);

  (void)fd;
  (void)res;
  ++t->ticks;
  put_byte(t->fd);
  evtimer_add(&t->ev, &tv);
}

static void
test_timers(const struct test_backend *b)
{
  const char *be = b->name;
  struct event_base *base = base_for(b);
  struct rec t, z, io;
  struct ticker tk;
  struct timeval tv;
  double start;
  int p[2];

  rec_reset(&t, 1);
  evtimer_set(&t.ev, rec_cb, &t);
  is_int(t.ev.ev_fd, -1, "evtimer_set: fd -1 [%s]", be);
  is_int(t.ev.ev_events, 0, "evtimer_set: no events [%s]", be);
  ok(evtimer_initialized(&t.ev), "evtimer_initialized after evtimer_set [%s]",
     be);
  event_base_set(base, &t.ev);
  is_int(evtimer_pending(&t.ev, NULL), 0, "evtimer not added: not pending [%s]",
         be);
  tv = tv_of(0.05);
  start = mono_now();
  evtimer_add(&t.ev, &tv);
  is_hex(t.ev.ev_flags, EVLIST_INIT | EVLIST_ACTIVE | EVLIST_TIMEOUT,
         "evtimer_add: INIT|ACTIVE|TIMEOUT [%s]", be);
  is_hex(evtimer_pending(&t.ev, NULL), EV_TIMEOUT,
         "evtimer_pending: EV_TIMEOUT [%s]", be);
  spin(base, &t, 1, 5.);
  is_int(t.calls, 1, "evtimer fires [%s]", be);
  is_hex((unsigned int)t.res, EV_TIMEOUT,
         "evtimer: callback gets EV_TIMEOUT [%s]", be);
  is_int(t.fd, -1, "evtimer: callback gets fd -1 [%s]", be);
  ok(t.mono - start >= 0.045, "evtimer not early: %.3f s of 0.05 [%s]",
     t.mono - start, be);
  is_int(evtimer_pending(&t.ev, NULL), 0, "fired evtimer: not pending [%s]",
         be);
  event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(t.calls, 1, "evtimer is one-shot [%s]", be);

  /* A later add replaces the timeout; the 5 s one never fires. */
  rec_reset(&t, 1);
  evtimer_set(&t.ev, rec_cb, &t);
  event_base_set(base, &t.ev);
  tv = tv_of(5.);
  evtimer_add(&t.ev, &tv);
  tv = tv_of(0.05);
  start = mono_now();
  evtimer_add(&t.ev, &tv);
  spin(base, &t, 1, 3.);
  ok(t.calls == 1 && t.mono - start < 3.,
     "adding again replaces the timeout (5 s -> 0.05 s) [%s]", be);

  /* A zero timeval fires on the next iteration. */
  rec_reset(&z, 2);
  timeout_set(&z.ev, rec_cb, &z);
  event_base_set(base, &z.ev);
  tv = tv_of(0.);
  start = mono_now();
  timeout_add(&z.ev, &tv);
  is_hex(timeout_pending(&z.ev, NULL), EV_TIMEOUT,
         "timeout_add with zero timeval: pending [%s]", be);
  spin(base, &z, 1, 2.);
  event_base_loop(base, EVLOOP_NONBLOCK);
  ok(z.calls == 1 && z.mono - start < 1.,
     "zero timeval fires at once, once (%d calls) [%s]", z.calls, be);

  /* timeout_del cancels. */
  rec_reset(&z, 2);
  timeout_set(&z.ev, rec_cb, &z);
  event_base_set(base, &z.ev);
  tv = tv_of(0.);
  timeout_add(&z.ev, &tv);
  timeout_del(&z.ev);
  is_int(timeout_pending(&z.ev, NULL), 0, "timeout_del: not pending [%s]", be);
  event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(z.calls, 0, "timeout_del: never fires [%s]", be);

  /* Adding without a timeval drops the timeout of a registered event. */
  make_pipe(p);
  rec_reset(&io, 3);
  event_set(&io.ev, p[0], EV_READ | EV_PERSIST, rec_cb, &io);
  event_base_set(base, &io.ev);
  tv = tv_of(0.);
  event_add(&io.ev, &tv);
  event_add(&io.ev, NULL);
  is_hex(io.ev.ev_flags, EVLIST_INIT | EVLIST_ACTIVE | EVLIST_INSERTED,
         "event_add(NULL) after a timeout: TIMEOUT flag cleared [%s]", be);
  event_base_loop(base, EVLOOP_NONBLOCK);
  event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(io.calls, 0, "event_add(NULL) dropped the timeout [%s]", be);
  is_hex(event_pending(&io.ev, ALL_EVENTS, NULL), EV_READ,
         "the io part stays registered [%s]", be);

  /* Reads do not push a persistent event's timeout back: it counts from
   * event_add. */
  io.drain = 1;
  tv = tv_of(0.4);
  start = mono_now();
  event_add(&io.ev, &tv);
  memset(&tk, 0, sizeof tk);
  tk.fd = p[1];
  tk.every = 0.02;
  evtimer_set(&tk.ev, tick_cb, &tk);
  event_base_set(base, &tk.ev);
  tv = tv_of(tk.every);
  evtimer_add(&tk.ev, &tv);
  {
    double end = start + 5.;
    while (!(io.res & EV_TIMEOUT) && mono_now() < end)
      event_base_loop(base, EVLOOP_ONCE);
  }
  ok(io.res & EV_TIMEOUT, "persistent read with timeout: timeout came [%s]",
     be);
  ok(io.calls >= 3, "reads before the timeout: %d [%s]", io.calls - 1, be);
  ok(mono_now() - start >= 0.39 && mono_now() - start < 4.,
     "timeout counted from event_add, not from the last read: %.3f s [%s]",
     mono_now() - start, be);
  is_int(event_pending(&io.ev, ALL_EVENTS, NULL), 0,
         "after the timeout the event is gone [%s]", be);
  evtimer_del(&tk.ev);
  event_base_loop(base, EVLOOP_NONBLOCK);
  {
    int calls = io.calls;
    put_byte(p[1]);
    event_base_loop(base, EVLOOP_NONBLOCK);
    is_int(io.calls, calls, "no reads reported after the timeout [%s]", be);
  }

  ev_verify(loop_of(base));
  event_base_free(base);
  close(p[0]);
  close(p[1]);
}

/* ---- event_pending ------------------------------------------------------- */

static void
test_pending(const struct test_backend *b)
{
  const char *be = b->name;
  struct event_base *base = base_for(b);
  struct rec r;
  struct timeval tv, out;
  double now, got;
  int p[2];

  make_pipe(p);
  rec_reset(&r, 1);
  event_set(&r.ev, p[1], EV_WRITE, rec_cb, &r);
  event_base_set(base, &r.ev);
  is_int(event_pending(&r.ev, ALL_EVENTS, NULL), 0,
         "set but not added: nothing pending [%s]", be);

  tv = tv_of(5.);
  event_add(&r.ev, &tv);
  is_hex(event_pending(&r.ev, ALL_EVENTS, NULL), EV_WRITE | EV_TIMEOUT,
         "added with timeout: EV_WRITE|EV_TIMEOUT [%s]", be);
  is_hex(event_pending(&r.ev, EV_READ, NULL), 0,
         "only the asked-for events are reported (EV_READ: 0) [%s]", be);
  is_hex(event_pending(&r.ev, EV_TIMEOUT, NULL), EV_TIMEOUT,
         "asking for EV_TIMEOUT only [%s]", be);

  /* libev (and so evix) stores the loop's current time in the timeval,
   * not the time the timeout expires. */
  memset(&out, 0, sizeof out);
  event_pending(&r.ev, EV_TIMEOUT, &out);
  now = ev_now(loop_of(base));
  got = (double)out.tv_sec + (double)out.tv_usec * 1e-6;
  ok(got > now - 2e-6 && got < now + 2e-6,
     "event_pending's timeval is ev_now: %.6f vs %.6f [%s]", got, now, be);

  event_del(&r.ev);
  event_add(&r.ev, NULL);
  out.tv_sec = 12345;
  out.tv_usec = 678;
  event_pending(&r.ev, ALL_EVENTS, &out);
  ok(out.tv_sec == 12345 && out.tv_usec == 678,
     "no timeout: the timeval is left alone [%s]", be);
  event_del(&r.ev);

  /* Events given EV_TIMEOUT in event_set always report it. */
  rec_reset(&r, 2);
  event_set(&r.ev, -1, EV_TIMEOUT, rec_cb, &r);
  event_base_set(base, &r.ev);
  is_hex(event_pending(&r.ev, ALL_EVENTS, NULL), EV_TIMEOUT,
         "event_set with EV_TIMEOUT: reported even before event_add [%s]", be);

  ev_verify(loop_of(base));
  event_base_free(base);
  close(p[0]);
  close(p[1]);
}

/* ---- event_active -------------------------------------------------------- */

static void
test_active(const struct test_backend *b)
{
  const char *be = b->name;
  struct event_base *base = base_for(b);
  struct rec r, t;
  int p[2];

  make_pipe(p);
  rec_reset(&r, 1);
  event_set(&r.ev, p[0], EV_READ, rec_cb, &r);
  event_base_set(base, &r.ev);
  event_active(&r.ev, EV_READ, 5);
  event_base_loop(base, EVLOOP_NONBLOCK);
  event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(r.calls, 1, "event_active on an event not added: one call [%s]", be);
  is_hex((unsigned int)r.res, EV_READ,
         "event_active: callback gets EV_READ [%s]", be);

  /* Timeout and io parts: the io callback runs first, then the timeout's
   * (the loop's pending queue is last in, first out). */
  rec_reset(&r, 1);
  log_len = 0;
  event_set(&r.ev, p[0], EV_READ, rec_cb, &r);
  event_base_set(base, &r.ev);
  event_active(&r.ev, EV_TIMEOUT | EV_READ | EV_WRITE, 1);
  event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(r.calls, 2, "EV_TIMEOUT|EV_READ|EV_WRITE: two calls [%s]", be);
  is_hex((unsigned int)r.res, EV_TIMEOUT, "the timeout part comes last [%s]",
         be);
  is_hex((unsigned int)r.pend_in_cb, 0,
         "nothing pending in the last call [%s]", be);

  /* event_del drops a pending io part... */
  rec_reset(&r, 1);
  event_set(&r.ev, p[0], EV_READ, rec_cb, &r);
  event_base_set(base, &r.ev);
  event_active(&r.ev, EV_READ, 1);
  is_hex(event_pending(&r.ev, ALL_EVENTS, NULL), EV_READ,
         "event_active: EV_READ pending [%s]", be);
  event_del(&r.ev);
  event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(r.calls, 0, "event_del after event_active(EV_READ): no call [%s]", be);

  /* ...but not a pending timeout part, which only an event_add without
   * timeval cancels. */
  rec_reset(&t, 2);
  evtimer_set(&t.ev, rec_cb, &t);
  event_base_set(base, &t.ev);
  event_active(&t.ev, EV_TIMEOUT, 1);
  event_del(&t.ev);
  event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(t.calls, 1,
         "event_del after event_active(EV_TIMEOUT): still called [%s]", be);
  rec_reset(&t, 2);
  evtimer_set(&t.ev, rec_cb, &t);
  event_base_set(base, &t.ev);
  event_active(&t.ev, EV_TIMEOUT, 1);
  evtimer_add(&t.ev, NULL);
  event_base_loop(base, EVLOOP_NONBLOCK);
  is_int(t.calls, 0,
         "event_add(NULL) after event_active(EV_TIMEOUT): no call [%s]", be);

  ev_verify(loop_of(base));
  event_base_free(base);
  close(p[0]);
  close(p[1]);
}

/* ---- event_base_once ----------------------------------------------------- */

struct once_rec {
  int calls;
  int fd;
  int res;
  void *arg;
};

static void
once_cb(int fd, short res, void *arg)
{
  struct once_rec *o = (struct once_rec *)arg;
  ++o->calls;
  o->fd = fd;
  o->res = res;
  o->arg = arg;
}

static int
spin_once(struct event_base *base, const struct once_rec *o, double seconds)
{
  double end = mono_now() + seconds;
  while (!o->calls && mono_now() < end)
    event_base_loop(base, EVLOOP_ONCE);
  return o->calls;
}

static void
test_once(const struct test_backend *b)
{
  const char *be = b->name;
  struct event_base *base = base_for(b);
  struct once_rec o;
  struct timeval tv;
  double start;
  int p[2];

  make_pipe(p);
  memset(&o, 0, sizeof o);
  tv = tv_of(0.03);
  start = mono_now();
  is_int(event_base_once(base, -1, EV_TIMEOUT, once_cb, &o, &tv), 0,
         "event_base_once returns 0 [%s]", be);
  spin_once(base, &o, 5.);
  is_int(o.calls, 1, "timer once: called [%s]", be);
  is_hex((unsigned int)o.res, EV_TIMEOUT, "timer once: EV_TIMEOUT [%s]", be);
  is_int(o.fd, -1, "timer once: fd -1 [%s]", be);
  ok(o.arg == &o, "timer once: its argument [%s]", be);
  ok(mono_now() - start >= 0.025, "timer once: not early [%s]", be);
  is_int(event_base_loop(base, EVLOOP_NONBLOCK), 1,
         "timer once: nothing left afterwards [%s]", be);

  /* Readable fd with a long timeout: the read wins, the timer goes. */
  memset(&o, 0, sizeof o);
  put_byte(p[1]);
  tv = tv_of(5.);
  event_base_once(base, p[0], EV_READ | EV_PERSIST, once_cb, &o, &tv);
  spin_once(base, &o, 5.);
  is_int(o.calls, 1, "read once: called [%s]", be);
  is_hex((unsigned int)o.res, EV_READ, "read once: EV_READ [%s]", be);
  is_int(o.fd, p[0], "read once: the fd [%s]", be);
  is_int(event_base_loop(base, EVLOOP_NONBLOCK), 1,
         "read once: EV_PERSIST ignored, nothing left [%s]", be);
  is_int(o.calls, 1, "read once: one call only [%s]", be);

  /* Without a timeval only the fd counts. */
  memset(&o, 0, sizeof o);
  event_base_once(base, p[1], EV_WRITE, once_cb, &o, NULL);
  spin_once(base, &o, 5.);
  is_int(o.calls, 1, "write once without timeval: called [%s]", be);
  is_hex((unsigned int)o.res, EV_WRITE, "write once: EV_WRITE [%s]", be);

  ev_verify(loop_of(base));
  event_base_free(base);
  close(p[0]);
  close(p[1]);
}

/* ---- event_base_loopexit and event_base_dispatch ------------------------- */

static void
test_loopexit(const struct test_backend *b)
{
  const char *be = b->name;
  struct event_base *base = base_for(b);
  struct rec t;
  struct timeval tv;
  double start, took;
  int ret;

  rec_reset(&t, 1);
  evtimer_set(&t.ev, rec_cb, &t);
  event_base_set(base, &t.ev);
  tv = tv_of(0.6);
  evtimer_add(&t.ev, &tv);

  tv = tv_of(0.1);
  start = mono_now();
  is_int(event_base_loopexit(base, &tv), 0,
         "event_base_loopexit returns 0 [%s]", be);
  ret = event_base_dispatch(base);
  took = mono_now() - start;
  ok(took >= 0.09 && took < 0.55,
     "dispatch ends at the loopexit timeout: %.3f s of 0.1 [%s]", took, be);
  is_int(t.calls, 0, "the longer timer has not fired [%s]", be);
  is_int(ret, 0, "dispatch returns 0 with an event left [%s]", be);

  /* Without a timeval: after the current iteration. */
  start = mono_now();
  event_base_loopexit(base, NULL);
  ret = event_base_dispatch(base);
  took = mono_now() - start;
  ok(took < 0.3 && t.calls == 0,
     "loopexit(NULL) ends dispatch at once: %.3f s [%s]", took, be);
  is_int(ret, 0, "and dispatch returns 0 [%s]", be);

  /* Dispatch without loopexit runs until no event is left. */
  ret = event_base_dispatch(base);
  is_int(t.calls, 1, "dispatch runs until the timer fired [%s]", be);
  is_int(ret, 1, "dispatch returns 1 when no event is left [%s]", be);

  ev_verify(loop_of(base));
  event_base_free(base);
}

/* ---- signals ------------------------------------------------------------- */

static void
test_signals(const struct test_backend *b)
{
  const char *be = b->name;
  struct event_base *base = base_for(b);
  struct rec s, s2;

  rec_reset(&s, 1);
  signal_set(&s.ev, SIGUSR1, rec_cb, &s);
  is_hex(s.ev.ev_events, EV_SIGNAL | EV_PERSIST,
         "signal_set: EV_SIGNAL|EV_PERSIST [%s]", be);
  is_int(EVENT_SIGNAL(&s.ev), SIGUSR1, "EVENT_SIGNAL gives the signal [%s]",
         be);
  ok(signal_initialized(&s.ev), "signal_initialized [%s]", be);
  event_base_set(base, &s.ev);
  is_int(signal_add(&s.ev, NULL), 0, "signal_add returns 0 [%s]", be);
  is_hex(s.ev.ev_flags, EVLIST_INIT | EVLIST_ACTIVE | EVLIST_SIGNAL,
         "signal_add: INIT|ACTIVE|SIGNAL [%s]", be);
  is_hex(signal_pending(&s.ev, NULL), EV_SIGNAL, "signal_pending [%s]", be);

  raise(SIGUSR1);
  spin(base, &s, 1, 5.);
  is_int(s.calls, 1, "raised signal: callback called [%s]", be);
  is_int(s.fd, SIGUSR1, "signal callback gets the signal number [%s]", be);
  is_hex((unsigned int)s.res, EV_SIGNAL, "signal callback gets EV_SIGNAL [%s]",
         be);
  is_hex(s.flags_in_cb, EVLIST_INIT | EVLIST_ACTIVE | EVLIST_SIGNAL,
         "signal event stays registered [%s]", be);
  raise(SIGUSR1);
  spin(base, &s, 2, 5.);
  is_int(s.calls, 2, "raised again: called again [%s]", be);

  /* Even without EV_PERSIST a signal event stays registered. */
  rec_reset(&s2, 2);
  event_set(&s2.ev, SIGUSR2, EV_SIGNAL, rec_cb, &s2);
  event_base_set(base, &s2.ev);
  event_add(&s2.ev, NULL);
  raise(SIGUSR2);
  spin(base, &s2, 1, 5.);
  is_int(s2.calls, 1, "EV_SIGNAL without EV_PERSIST: called [%s]", be);
  is_hex((unsigned int)s2.pend_in_cb, EV_SIGNAL,
         "EV_SIGNAL without EV_PERSIST: still registered [%s]", be);
  raise(SIGUSR2);
  spin(base, &s2, 2, 5.);
  is_int(s2.calls, 2, "EV_SIGNAL without EV_PERSIST: called again [%s]", be);

  /* Deleting gives the signal back (its disposition is reset then, so it
   * is not raised any more). */
  is_int(signal_del(&s.ev), 0, "signal_del returns 0 [%s]", be);
  is_hex(s.ev.ev_flags, EVLIST_INIT, "signal_del: ev_flags INIT [%s]", be);
  is_int(signal_pending(&s.ev, NULL), 0, "signal_del: not pending [%s]", be);
  event_del(&s2.ev);
  is_int(event_base_loop(base, EVLOOP_NONBLOCK), 1,
         "signal events deleted: nothing left [%s]", be);

  ev_verify(loop_of(base));
  event_base_free(base);
}

/* ---- an fd that is closed under a registered event ----------------------- */

#define BAD_FD 211

struct bad_arg {
  unsigned int backend;
};

static void
bad_fd_child(void *argp)
{
  const struct bad_arg *a = (const struct bad_arg *)argp;
  struct event_base *base = (struct event_base *)test_loop_new(a->backend);
  struct rec r;
  int p[2];

  make_pipe(p);
  if (dup2(p[0], BAD_FD) < 0)
    _exit(90);
  close(p[0]);
  rec_reset(&r, 1);
  event_set(&r.ev, BAD_FD, EV_READ | EV_PERSIST, rec_cb, &r);
  event_base_set(base, &r.ev);
  event_add(&r.ev, NULL);
  close(BAD_FD);
  event_base_loop(base, EVLOOP_NONBLOCK);
  event_base_loop(base, EVLOOP_NONBLOCK);
  fprintf(stderr, "result: calls=%d res=%#x flags=%#x pending=%#x\n", r.calls,
          (unsigned int)r.res, (unsigned int)r.ev.ev_flags,
          (unsigned int)event_pending(&r.ev, ALL_EVENTS, NULL));
  event_base_free(base);
}

static void
test_bad_fd(const struct test_backend *b)
{
  const char *be = b->name;
  struct bad_arg a;
  struct child_result res;
  const char *s;
  int calls = -1;
  unsigned int got = 0, flags = 0, pend = 0;

  a.backend = b->flag;
  run_in_child(bad_fd_child, &a, 10., &res);
  /* libev reports a bad fd only on select; epoll and poll assert.  evix
   * reports it on every backend. */
  if (test_on_libev() && b->flag != EVBACKEND_SELECT) {
    ok(aborted_with(&res, NULL), "closed fd: libev aborts [%s]", be);
    return;
  }
  s = strstr(res.err, "result: ");
  if (!ok(res.exited && res.status == 0 && s &&
              sscanf(s, "result: calls=%d res=%x flags=%x pending=%x", &calls,
                     &got, &flags, &pend) == 4,
          "closed fd: the loop survives [%s]", be)) {
    diag("child: exited=%d status=%d signaled=%d signo=%d stderr=\"%s\"",
         res.exited, res.status, res.signaled, res.signo, res.err);
    return;
  }
  is_int(calls, 1, "closed fd: one call [%s]", be);
  /* EV_ERROR itself is not among the bits a libevent callback sees. */
  is_hex(got, EV_READ | EV_WRITE,
         "closed fd: callback gets EV_READ|EV_WRITE [%s]", be);
  is_hex(flags, EVLIST_INIT,
         "closed fd: even a persistent event is removed [%s]", be);
  is_hex(pend, 0, "closed fd: nothing pending afterwards [%s]", be);
}

/* ---- priorities and small things ----------------------------------------- */

static void
test_priority(const struct test_backend *b)
{
  const char *be = b->name;
  struct event_base *base = base_for(b);
  struct rec hi, lo;
  int p[2];

  make_pipe(p);
  is_int(event_base_priority_init(base, 4), 0,
         "event_base_priority_init returns 0 [%s]", be);
  rec_reset(&hi, 1);
  rec_reset(&lo, 2);
  event_set(&hi.ev, p[1], EV_WRITE, rec_cb, &hi);
  event_set(&lo.ev, p[1], EV_WRITE, rec_cb, &lo);
  event_base_set(base, &hi.ev);
  event_base_set(base, &lo.ev);
  is_int(event_priority_set(&hi.ev, 3), 0, "event_priority_set returns 0 [%s]",
         be);
  is_int(hi.ev.ev_pri, 3, "event_priority_set stores ev_pri [%s]", be);
  is_int(event_priority_set(&lo.ev, 0), 0, "event_priority_set(0) [%s]", be);
  event_add(&lo.ev, NULL);
  event_add(&hi.ev, NULL);
  is_int(ev_priority(&hi.ev.iosig.io), 0,
         "the watcher's own priority is untouched [%s]", be);
  log_len = 0;
  event_base_loop(base, EVLOOP_NONBLOCK);
  ok(hi.calls == 1 && lo.calls == 1, "both events fire once [%s]", be);
  event_set(&hi.ev, p[1], EV_WRITE, rec_cb, &hi);
  is_int(hi.ev.ev_pri, 0, "event_set resets ev_pri [%s]", be);
  ok(event_get_callback(&hi.ev) == rec_cb,
     "event_get_callback returns the callback [%s]", be);

  ev_verify(loop_of(base));
  event_base_free(base);
  close(p[0]);
  close(p[1]);
}

static void
run_backend(const struct test_backend *b)
{
  test_elinks(b);
  test_oneshot(b);
  test_timers(b);
  test_pending(b);
  test_active(b);
  test_once(b);
  test_loopexit(b);
  test_signals(b);
  test_bad_fd(b);
  test_priority(b);
}

/* ---- before event_init, then event_init and the base-less functions ------ */

static void
test_before_init(void)
{
  struct rec r;
  char want[32];

  snprintf(want, sizeof want, "%d.%d", EV_VERSION_MAJOR, EV_VERSION_MINOR);
  is_str(event_get_version(), want,
         "event_get_version is the emulated libev's version [%s]", TEST_IMPL);
  is_str(event_get_method(), "libev", "event_get_method [%s]", TEST_IMPL);
  is_str(event_base_get_method(NULL), "libev",
         "event_base_get_method [%s]", TEST_IMPL);
  is_int(event_priority_init(2), 0,
         "event_priority_init returns 0 [%s]", TEST_IMPL);

  memset(&r, 0, sizeof r);
  ok(!event_initialized(&r.ev),
     "zeroed event: not initialized [%s]", TEST_IMPL);
  memset(&r.ev, 0x5a, sizeof r.ev);
  event_set(&r.ev, 7, EV_READ, rec_cb, &r);
  ok(event_initialized(&r.ev), "event_set: initialized [%s]", TEST_IMPL);
  ok(r.ev.ev_base == NULL,
     "event_set before any event_init: no base [%s]", TEST_IMPL);
  is_int(r.ev.ev_res, 0, "event_set: ev_res 0 [%s]", TEST_IMPL);
  is_int(r.ev.ev_pri, 0, "event_set: ev_pri 0 [%s]", TEST_IMPL);
  ok(r.ev.ev_callback == rec_cb && r.ev.ev_arg == &r,
     "event_set: callback and argument stored [%s]", TEST_IMPL);
  is_int(event_del(&r.ev), 0,
         "event_del of an event never added, without base [%s]", TEST_IMPL);
  is_hex(r.ev.ev_flags, EVLIST_INIT,
         "and its ev_flags stay INIT [%s]", TEST_IMPL);
  is_int(EVENT_FD(&r.ev), 7, "EVENT_FD [%s]", TEST_IMPL);
}

static void
test_event_init(void)
{
  struct event_base *first, *second;
  struct rec t, r;
  struct once_rec o;
  struct timeval tv;
  char be[32];
  double start, took;
  int ret;

  first = (struct event_base *)event_init();
  if (!ok(first != NULL, "event_init returns a base [%s]", TEST_IMPL))
    return;
  snprintf(be, sizeof be, "default:%s",
           backend_name(ev_backend(loop_of(first))));
  ok(loop_of(first) == ev_default_loop(0),
     "first event_init returns the default loop [%s]", be);

  rec_reset(&t, 1);
  evtimer_set(&t.ev, rec_cb, &t);
  ok(t.ev.ev_base == first, "event_set records event_init's base [%s]", be);
  tv = tv_of(0.02);
  evtimer_add(&t.ev, &tv);
  ret = event_dispatch();
  is_int(t.calls, 1, "event_dispatch runs the default loop [%s]", be);
  is_int(ret, 1, "event_dispatch returns 1 when no event is left [%s]", be);

  /* event_loop and event_loopexit use the same base. */
  rec_reset(&t, 1);
  evtimer_set(&t.ev, rec_cb, &t);
  tv = tv_of(5.);
  evtimer_add(&t.ev, &tv);
  is_int(event_loop(EVLOOP_NONBLOCK), 0,
         "event_loop(EVLOOP_NONBLOCK) returns 0 with an event left [%s]", be);
  tv = tv_of(0.05);
  start = mono_now();
  is_int(event_loopexit(&tv), 0, "event_loopexit returns 0 [%s]", be);
  ret = event_loop(0);
  took = mono_now() - start;
  ok(took >= 0.045 && took < 4., "event_loopexit ends event_loop: %.3f s [%s]",
     took, be);
  is_int(ret, 0, "event_loop returns 0, the timer is left [%s]", be);
  event_del(&t.ev);

  memset(&o, 0, sizeof o);
  tv = tv_of(0.01);
  is_int(event_once(-1, EV_TIMEOUT, once_cb, &o, &tv), 0,
         "event_once returns 0 [%s]", be);
  spin_once(first, &o, 5.);
  ok(o.calls == 1 && o.res == EV_TIMEOUT,
     "event_once fires on event_init's base [%s]", be);

  /* The default loop survives event_base_free. */
  event_base_free(first);
  ok(ev_default_loop_uc_() == loop_of(first),
     "event_base_free leaves the default loop alone [%s]", be);
  rec_reset(&t, 1);
  evtimer_set(&t.ev, rec_cb, &t);
  tv = tv_of(0.);
  evtimer_add(&t.ev, &tv);
  spin(first, &t, 1, 2.);
  is_int(t.calls, 1, "the default loop still works afterwards [%s]", be);

  second = (struct event_base *)event_init();
  ok(second != NULL && second != first,
     "second event_init returns another base [%s]", be);
  if (!second)
    return;
  ok(!ev_is_default_loop(loop_of(second)),
     "second event_init's base is not the default loop [%s]", be);
  rec_reset(&r, 2);
  evtimer_set(&r.ev, rec_cb, &r);
  ok(r.ev.ev_base == second, "event_set now records the second base [%s]", be);
  tv = tv_of(0.);
  evtimer_add(&r.ev, &tv);
  start = mono_now();
  while (!r.calls && mono_now() - start < 2.)
    event_loop(EVLOOP_NONBLOCK);
  is_int(r.calls, 1, "event_loop runs the second base [%s]", be);
  event_base_free(second);
}

#endif /* NO_LIBEV_EVENT_H */

int
main(void)
{
  tap_start(60);
#ifdef NO_LIBEV_EVENT_H
  skip_all("the system has no event.h from libev's libevent emulation");
#else
  /* A callback that is not called leaves the pipe full; never die of it. */
  signal(SIGPIPE, SIG_IGN);
  test_before_init();
  for_each_backend(run_backend);
  test_event_init();
#endif
  return 0;
}
