/* event.c - the libevent 1.4 core API on top of evix (see event.h).
 *
 * A struct event_base is a struct ev_loop.  A struct event carries an io
 * or a signal watcher (sharing storage) plus a timer for its timeout; all
 * three call back into this file, which forwards to the libevent-style
 * callback.
 *
 * Programs may define functions with libevent's names themselves (curvedns
 * and unclutter-xfixes define their own event_init), and such a definition
 * interposes on ours for every caller, including this library.  So no
 * exported event_* function here calls another one: the shared work is in
 * static helpers, and only the public ev_* API is used.  event_init lives
 * in event_init.c, so that a static link of such a program does not pull
 * in a second definition.
 */
#include "event-internal.h"

#include <stddef.h>
#include <stdlib.h>

#define IO_EVENTS (EV_READ | EV_WRITE)
/* The only bits a libevent callback ever sees in its `short`. */
#define USER_EVENTS (EV_READ | EV_WRITE | EV_TIMER | EV_SIGNAL)

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

struct event_base *evix__event_current = NULL;

static struct ev_loop *
loop_of_base(const struct event_base *base)
{
  return (struct ev_loop *)base;
}

static struct ev_loop *
loop_of_event(const struct event *ev)
{
  return loop_of_base(ev->ev_base);
}

/* A timeval as a relative timeout in seconds, or -1 for "no timeout".  A
 * zero timeval becomes one microsecond: for ev_timer_again a zero repeat
 * would mean "stop", but libevent means "as soon as possible". */
static double
timeout_seconds(const struct timeval *tv)
{
  double after;

  if (!tv)
    return -1.;
  after = (double)tv->tv_sec + (double)tv->tv_usec * 1e-6;
  return after != 0. ? after : 1e-6;
}

/* ---- callbacks ----------------------------------------------------------- */

/* Removes the event from its loop: what event_del does. */
static void
remove_event(struct event *ev)
{
  struct ev_loop *loop = loop_of_event(ev);

  /* Stopping also clears a pending (e.g. event_active) io or signal
   * event.  A watcher that is neither active nor pending needs no call,
   * which keeps event_del harmless on an event whose base was never set. */
  if (ev->ev_events & EV_SIGNAL) {
    if (ev_is_active(&ev->iosig.sig) || ev_is_pending(&ev->iosig.sig))
      ev_signal_stop(loop, &ev->iosig.sig);
  } else if (ev->ev_events & IO_EVENTS) {
    if (ev_is_active(&ev->iosig.io) || ev_is_pending(&ev->iosig.io))
      ev_io_stop(loop, &ev->iosig.io);
  }

  /* Only an armed timeout is stopped: a timeout that is merely pending
   * (fed by event_active) still runs its callback, as with libev. */
  if (ev_is_active(&ev->to))
    ev_timer_stop(loop, &ev->to);

  ev->ev_flags = EVLIST_INIT;
}

/* Records what happened and calls the program's callback. */
static void
deliver(struct event *ev, int revents)
{
  revents &= USER_EVENTS;
  ev->ev_res = revents;
  ev->ev_callback(ev->ev_fd, (short)revents, ev->ev_arg);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct event *ev =
      (struct event *)(void *)((char *)w - offsetof(struct event, iosig.io));

  (void)loop;
  /* A one-shot event is gone before its callback runs, so the callback
   * may add it again; an fd error ends even a persistent one. */
  if ((revents & EV_ERROR) || !(ev->ev_events & EV_PERSIST))
    remove_event(ev);
  deliver(ev, revents);
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
  struct event *ev =
      (struct event *)(void *)((char *)w - offsetof(struct event, iosig.sig));

  (void)loop;
  /* Signal events stay registered whether or not EV_PERSIST was given. */
  if (revents & EV_ERROR)
    remove_event(ev);
  deliver(ev, revents);
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  struct event *ev =
      (struct event *)(void *)((char *)w - offsetof(struct event, to));

  (void)loop;
  /* A timeout ends the whole event, persistent or not. */
  remove_event(ev);
  deliver(ev, revents);
}

/* ---- shared helpers ------------------------------------------------------ */

static int
base_loop(struct event_base *base, int flags)
{
  /* libevent returns 1 when no events are left. */
  return ev_run(loop_of_base(base), flags) ? 0 : 1;
}

static void
loopexit_cb(int revents, void *arg)
{
  (void)revents;
  ev_break((struct ev_loop *)arg, EVBREAK_ONE);
}

static int
base_loopexit(struct event_base *base, struct timeval *tv)
{
  double after = timeout_seconds(tv);
  struct ev_loop *loop = loop_of_base(base);

  /* Without a timeval the loop ends after the current iteration. */
  ev_once(loop, -1, 0, after >= 0. ? after : 0., loopexit_cb, loop);
  return 0;
}

/* What event_base_once needs to call the program back. */
struct once_record {
  int fd;
  void (*cb)(int, short, void *);
  void *arg;
};

static void
once_cb(int revents, void *arg)
{
  struct once_record *rec = (struct once_record *)arg;
  struct once_record copy = *rec;

  /* Freed first, so that nothing leaks if the callback never returns. */
  free(rec);
  copy.cb(copy.fd, (short)revents, copy.arg);
}

static int
base_once(struct event_base *base, int fd, short events,
          void (*cb)(int, short, void *), void *arg, struct timeval *tv)
{
  struct once_record *rec = (struct once_record *)malloc(sizeof *rec);

  if (!rec)
    return -1;
  rec->fd = fd;
  rec->cb = cb;
  rec->arg = arg;
  /* Only io and a timeout are possible here; other bits are dropped. */
  ev_once(loop_of_base(base), fd, events & IO_EVENTS, timeout_seconds(tv),
          once_cb, rec);
  return 0;
}

/* ---- the exported functions ---------------------------------------------- */

const char *
event_get_version(void)
{
  return STRINGIFY(EV_VERSION_MAJOR) "." STRINGIFY(EV_VERSION_MINOR);
}

const char *
event_get_method(void)
{
  return "libev";
}

const char *
event_base_get_method(const struct event_base *base)
{
  (void)base;
  return "libev";
}

struct event_base *
event_base_new(void)
{
  return (struct event_base *)ev_loop_new(EVFLAG_AUTO);
}

void
event_base_free(struct event_base *base)
{
  struct ev_loop *loop = loop_of_base(base);

  /* The default loop may be shared with ev_* users of the same process,
   * so it is never destroyed from here. */
  if (loop && !ev_is_default_loop(loop))
    ev_loop_destroy(loop);
}

int
event_base_set(struct event_base *base, struct event *ev)
{
  ev->ev_base = base;
  return 0;
}

void
event_set(struct event *ev, int fd, short events,
          void (*cb)(int, short, void *), void *arg)
{
  if (events & EV_SIGNAL)
    ev_init(&ev->iosig.sig, signal_cb);
  else
    ev_init(&ev->iosig.io, io_cb);
  ev_init(&ev->to, timeout_cb);

  ev->ev_base = evix__event_current;
  ev->ev_callback = cb;
  ev->ev_arg = arg;
  ev->ev_fd = fd;
  ev->ev_pri = 0;
  ev->ev_res = 0;
  ev->ev_flags = EVLIST_INIT;
  ev->ev_events = events;
}

int
event_add(struct event *ev, struct timeval *tv)
{
  struct ev_loop *loop = loop_of_event(ev);

  /* Adding an event that is already registered only changes its
   * timeout. */
  if (ev->ev_events & EV_SIGNAL) {
    if (!ev_is_active(&ev->iosig.sig)) {
      ev_signal_set(&ev->iosig.sig, ev->ev_fd);
      ev_signal_start(loop, &ev->iosig.sig);
      ev->ev_flags |= EVLIST_SIGNAL;
    }
  } else if (ev->ev_events & IO_EVENTS) {
    if (!ev_is_active(&ev->iosig.io)) {
      ev_io_set(&ev->iosig.io, ev->ev_fd, ev->ev_events & IO_EVENTS);
      ev_io_start(loop, &ev->iosig.io);
      ev->ev_flags |= EVLIST_INSERTED;
    }
  }

  if (tv) {
    /* ev_timer_again (re)arms the timer `repeat` seconds from now,
     * replacing any earlier timeout. */
    ev->to.repeat = timeout_seconds(tv);
    ev_timer_again(loop, &ev->to);
    ev->ev_flags |= EVLIST_TIMEOUT;
  } else {
    /* No timeval drops an earlier timeout, even one that is pending. */
    if (ev_is_active(&ev->to) || ev_is_pending(&ev->to))
      ev_timer_stop(loop, &ev->to);
    ev->ev_flags &= ~EVLIST_TIMEOUT;
  }

  ev->ev_flags |= EVLIST_ACTIVE;
  return 0;
}

int
event_del(struct event *ev)
{
  remove_event(ev);
  return 0;
}

void
event_active(struct event *ev, int res, short ncalls)
{
  struct ev_loop *loop = loop_of_event(ev);

  (void)ncalls;
  /* Each part goes to the watcher that would have reported it, so the
   * usual callback (and its one-shot removal) runs. */
  if (res & EV_TIMEOUT)
    ev_feed_event(loop, &ev->to, res & EV_TIMEOUT);
  if (res & EV_SIGNAL)
    ev_feed_event(loop, &ev->iosig.sig, res & EV_SIGNAL);
  if (res & IO_EVENTS)
    ev_feed_event(loop, &ev->iosig.io, res & IO_EVENTS);
}

int
event_pending(struct event *ev, short events, struct timeval *tv)
{
  int have = 0;

  if (ev->ev_events & EV_SIGNAL) {
    if (ev_is_active(&ev->iosig.sig) || ev_is_pending(&ev->iosig.sig))
      have |= EV_SIGNAL;
  } else if (ev->ev_events & IO_EVENTS) {
    if (ev_is_active(&ev->iosig.io) || ev_is_pending(&ev->iosig.io))
      have |= ev->ev_events & IO_EVENTS;
  }

  if ((ev->ev_events & EV_TIMEOUT) || ev_is_active(&ev->to) ||
      ev_is_pending(&ev->to)) {
    have |= EV_TIMEOUT;
    if (tv) {
      /* libev reports the loop's current time here, not the expiry. */
      double now = ev_now(loop_of_event(ev));
      tv->tv_sec = (time_t)now;
      tv->tv_usec = (suseconds_t)((now - (double)tv->tv_sec) * 1e6);
    }
  }

  return events & have;
}

event_callback_fn
event_get_callback(const struct event *ev)
{
  return ev->ev_callback;
}

int
event_priority_init(int npri)
{
  (void)npri;
  return 0;
}

int
event_base_priority_init(struct event_base *base, int npri)
{
  (void)base;
  (void)npri;
  return 0;
}

int
event_priority_set(struct event *ev, int pri)
{
  /* Stored for the program's sake; the watchers keep priority 0. */
  ev->ev_pri = pri;
  return 0;
}

int
event_base_loop(struct event_base *base, int flags)
{
  return base_loop(base, flags);
}

int
event_base_dispatch(struct event_base *base)
{
  return base_loop(base, 0);
}

int
event_loop(int flags)
{
  return base_loop(evix__event_current, flags);
}

int
event_dispatch(void)
{
  return base_loop(evix__event_current, 0);
}

int
event_base_loopexit(struct event_base *base, struct timeval *tv)
{
  return base_loopexit(base, tv);
}

int
event_loopexit(struct timeval *tv)
{
  return base_loopexit(evix__event_current, tv);
}

int
event_base_once(struct event_base *base, int fd, short events,
                void (*cb)(int, short, void *), void *arg,
                struct timeval *tv)
{
  return base_once(base, fd, events, cb, arg, tv);
}

int
event_once(int fd, short events, void (*cb)(int, short, void *), void *arg,
           struct timeval *tv)
{
  return base_once(evix__event_current, fd, events, cb, arg, tv);
}
