/* event.h - evix's emulation of the libevent 1.4 core API.
 *
 * This is the same emulation libev 4.33 ships (as libev's own event.h):
 * programs written for libevent 1.4's basic event interface compile
 * against it, and programs compiled against libev's event.h run on
 * libevix unchanged.  Only the core is there: no buffers, no DNS, no HTTP.
 *
 * What a compiled program bakes in is therefore fixed and must not change:
 *  - struct event's layout (x86_64: 144 bytes; the io/signal watcher at 0,
 *    the timeout watcher at 48, then the libevent-style fields from 96);
 *  - the constants below, and EV_READ, EV_WRITE, EV_SIGNAL and EV_TIMEOUT,
 *    which keep their libev values (0x01, 0x02, 0x400, 0x100) and are the
 *    bits a callback receives in its `short` argument;
 *  - the names and signatures of the 24 event_* functions.
 *
 * A struct event_base is simply a struct ev_loop: a pointer to either may
 * be cast to the other.  Priorities are accepted and ignored.
 */
#ifndef EVENT_H_
#define EVENT_H_

/* As with libev, a program may name the ev.h to use by defining EV_H. */
#ifdef EV_H
#include EV_H
#else
#include "ev.h"
#endif

/* libevent's names for the ev_run flags and the timeout bit. */
#ifndef EVLOOP_NONBLOCK
#define EVLOOP_NONBLOCK EVRUN_NOWAIT
#endif
#ifndef EVLOOP_ONESHOT
#define EVLOOP_ONESHOT EVRUN_ONCE
#endif
#ifndef EV_TIMEOUT
#define EV_TIMEOUT EV_TIMER
#endif

#include <sys/time.h> /* struct timeval */
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque to programs; it is a struct ev_loop. */
struct event_base;

/* Bits of ev_flags: what the event is currently registered for. */
#define EVLIST_TIMEOUT 0x01  /* a timeout is armed */
#define EVLIST_INSERTED 0x02 /* the io watcher was started */
#define EVLIST_SIGNAL 0x04   /* the signal watcher was started */
#define EVLIST_ACTIVE 0x08   /* event_add was called */
#define EVLIST_INTERNAL 0x10 /* unused, kept for libevent's sake */
#define EVLIST_INIT 0x80     /* event_set was called */

typedef void (*event_callback_fn)(int, short, void *);

struct event {
  /* The libev watchers doing the work.  Which member of the union is used
   * depends on whether ev_events has EV_SIGNAL. */
  union {
    struct ev_io io;
    struct ev_signal sig;
  } iosig;
  struct ev_timer to;

  /* The libevent 1.4 fields programs read. */
  struct event_base *ev_base;
  event_callback_fn ev_callback;
  void *ev_arg;
  int ev_fd;        /* the fd, or the signal number */
  int ev_pri;       /* stored by event_priority_set, otherwise unused */
  int ev_res;       /* the events of the last callback */
  int ev_flags;     /* EVLIST_* */
  short ev_events;  /* what event_set was given */
};

event_callback_fn event_get_callback(const struct event *ev);

/* Defined as themselves so that #ifdef EV_READ works as in libevent. */
#define EV_READ EV_READ
#define EV_WRITE EV_WRITE
/* Keep an io event registered after it fires (signal events always
 * stay; a timeout always ends the event). */
#define EV_PERSIST 0x10
/* Edge triggering is not available; the flag is accepted and ignored. */
#define EV_ET 0x20

#define EVENT_SIGNAL(ev) ((int)(ev)->ev_fd)
#define EVENT_FD(ev) ((int)(ev)->ev_fd)

#define event_initialized(ev) ((ev)->ev_flags & EVLIST_INIT)

/* Pure timers: an event with no fd and no io or signal interest. */
#define evtimer_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
#define evtimer_add(ev, tv) event_add((ev), (tv))
#define evtimer_del(ev) event_del(ev)
#define evtimer_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
#define evtimer_initialized(ev) event_initialized(ev)

/* The older names of the evtimer_ macros. */
#define timeout_set(ev, cb, arg) evtimer_set((ev), (cb), (arg))
#define timeout_add(ev, tv) evtimer_add((ev), (tv))
#define timeout_del(ev) evtimer_del(ev)
#define timeout_pending(ev, tv) evtimer_pending((ev), (tv))
#define timeout_initialized(ev) evtimer_initialized(ev)

/* Signal events are always persistent. */
#define signal_set(ev, signum, cb, arg) \
  event_set((ev), (signum), EV_SIGNAL | EV_PERSIST, (cb), (arg))
#define signal_add(ev, tv) event_add((ev), (tv))
#define signal_del(ev) event_del(ev)
#define signal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
#define signal_initialized(ev) event_initialized(ev)

/* "4.33": the version of the libev interface emulated. */
const char *event_get_version(void);
/* Always "libev". */
const char *event_get_method(void);

/* The first call returns the default loop, every later call a new loop.
 * The result becomes the base of events set up by event_set afterwards
 * and of the functions below that take no base. */
void *event_init(void);
/* Destroys a loop made by event_base_new or event_init; the default loop
 * is left alone. */
void event_base_free(struct event_base *base);

#define EVLOOP_ONCE EVLOOP_ONESHOT
/* These act on the base of the last event_init.  event_loop and
 * event_dispatch return 1 when the loop has no active events left, else 0;
 * event_loopexit makes the loop return after tv (NULL: after the current
 * iteration) and returns 0. */
int event_loop(int flags);
int event_loopexit(struct timeval *tv);
int event_dispatch(void);

/* libevent's log severities and log callback.  event_set_log_callback is
 * declared (as in libev's header) but neither libev nor evix defines it. */
#define _EVENT_LOG_DEBUG 0
#define _EVENT_LOG_MSG 1
#define _EVENT_LOG_WARN 2
#define _EVENT_LOG_ERR 3
typedef void (*event_log_cb)(int severity, const char *msg);
void event_set_log_callback(event_log_cb cb);

void event_set(struct event *ev, int fd, short events,
               void (*cb)(int, short, void *), void *arg);
int event_once(int fd, short events, void (*cb)(int, short, void *),
               void *arg, struct timeval *tv);

/* tv: the timeout relative to now, or NULL for none. */
int event_add(struct event *ev, struct timeval *tv);
int event_del(struct event *ev);
/* Makes the callback run with `res` as if the events had happened;
 * ncalls is ignored. */
void event_active(struct event *ev, int res, short ncalls);

/* Which of `events` the event is registered for.  If the event has a
 * timeout and tv is not NULL, tv receives the loop's current time (not the
 * expiry, as with libev). */
int event_pending(struct event *ev, short events, struct timeval *tv);

/* These and event_base_priority_init return 0; priorities have no
 * effect. */
int event_priority_init(int npri);
int event_priority_set(struct event *ev, int pri);

/* The same, on a given base: event_base_new makes a new loop, like
 * ev_loop_new(0); event_base_set moves an event (not yet added) to a base. */
struct event_base *event_base_new(void);
const char *event_base_get_method(const struct event_base *base);
int event_base_set(struct event_base *base, struct event *ev);
int event_base_loop(struct event_base *base, int flags);
int event_base_loopexit(struct event_base *base, struct timeval *tv);
int event_base_dispatch(struct event_base *base);
int event_base_once(struct event_base *base, int fd, short events,
                    void (*cb)(int, short, void *), void *arg,
                    struct timeval *tv);
int event_base_priority_init(struct event_base *base, int npri);

#ifdef __cplusplus
}
#endif

#endif /* EVENT_H_ */
