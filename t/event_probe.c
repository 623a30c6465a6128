/* event_probe.c - prints what a program compiled against an event.h bakes
 * in: struct event's size and layout, the constants, which names are
 * macros, the functions' types, and what the convenience macros expand to.
 * One fact per line, "category.name value"; t/event_abi.sh compiles this
 * file against evix's event.h and against libev's and compares the two
 * outputs.
 *
 * No library is needed: the four functions the macros call are defined
 * here, recording their arguments, so that e.g. signal_set's effect can be
 * printed.  The file also compiles as C++.
 */
#include <event.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
#include <type_traits>
#define SAME_TYPE(a, T) (std::is_same<decltype(a), T>::value ? 1 : 0)
#else
#define SAME_TYPE(a, T) __builtin_types_compatible_p(__typeof__(a), T)
#endif

static void
put(const char *cat, const char *name, long long v)
{
  printf("%s.%s %lld\n", cat, name, v);
}

#define FIELD(f)                                                            \
  do {                                                                      \
    put("offset", #f, (long long)offsetof(struct event, f));                \
    put("fieldsize", #f, (long long)sizeof(((struct event *)0)->f));        \
  } while (0)

#define CONST(X)                                                            \
  do {                                                                      \
    put("const", #X, (long long)(X));                                       \
    put("constsize", #X, (long long)sizeof(X));                             \
  } while (0)

/* ---- stand-ins for the functions the macros call ------------------------ */

static struct {
  const char *fn;
  struct event *ev;
  int fd;
  int events;
  void (*cb)(int, short, void *);
  void *arg;
  const struct timeval *tv;
} last;

void
event_set(struct event *ev, int fd, short events,
          void (*cb)(int, short, void *), void *arg)
{
  last.fn = "event_set";
  last.ev = ev;
  last.fd = fd;
  last.events = events;
  last.cb = cb;
  last.arg = arg;
}

int
event_add(struct event *ev, struct timeval *tv)
{
  last.fn = "event_add";
  last.ev = ev;
  last.tv = tv;
  return 11;
}

int
event_del(struct event *ev)
{
  last.fn = "event_del";
  last.ev = ev;
  return 12;
}

int
event_pending(struct event *ev, short events, struct timeval *tv)
{
  last.fn = "event_pending";
  last.ev = ev;
  last.events = events;
  last.tv = tv;
  return 13;
}

static void
user_cb(int fd, short events, void *arg)
{
  (void)fd;
  (void)events;
  (void)arg;
}

static struct event the_event;
static struct timeval the_tv;
static int the_arg;

/* Prints what the last stand-in call received, compared with what the
 * probe passed in. */
static void
put_call(const char *macro, int ret)
{
  char name[64];

  snprintf(name, sizeof name, "%s.fn_%s", macro, last.fn ? last.fn : "none");
  put("macro", name, 1);
  snprintf(name, sizeof name, "%s.ev", macro);
  put("macro", name, last.ev == &the_event);
  snprintf(name, sizeof name, "%s.ret", macro);
  put("macro", name, ret);
  if (last.fn && !strcmp(last.fn, "event_set")) {
    snprintf(name, sizeof name, "%s.fd", macro);
    put("macro", name, last.fd);
    snprintf(name, sizeof name, "%s.events", macro);
    put("macro", name, last.events);
    snprintf(name, sizeof name, "%s.cb_arg", macro);
    put("macro", name, last.cb == user_cb && last.arg == &the_arg);
  }
  if (last.fn && (!strcmp(last.fn, "event_add") ||
                  !strcmp(last.fn, "event_pending"))) {
    snprintf(name, sizeof name, "%s.tv", macro);
    put("macro", name, last.tv == &the_tv);
  }
  if (last.fn && !strcmp(last.fn, "event_pending")) {
    snprintf(name, sizeof name, "%s.events", macro);
    put("macro", name, last.events);
  }
  memset(&last, 0, sizeof last);
}

#define CALL(macro, expr) put_call(#macro, (int)(expr))
#define CALLV(macro, expr) ((expr), put_call(#macro, 0))

int
main(void)
{
  struct event *ev = &the_event;
  struct timeval *tv = &the_tv;

  /* ---- layout ---- */
  put("sizeof", "struct_event", (long long)sizeof(struct event));
  put("align", "struct_event", (long long)__alignof__(struct event));
  FIELD(iosig);
  FIELD(iosig.io);
  FIELD(iosig.sig);
  FIELD(to);
  FIELD(ev_base);
  FIELD(ev_callback);
  FIELD(ev_arg);
  FIELD(ev_fd);
  FIELD(ev_pri);
  FIELD(ev_res);
  FIELD(ev_flags);
  FIELD(ev_events);
  put("type", "ev_events_signed",
      (long long)((__typeof__(ev->ev_events))-1 < 0));
  put("type", "iosig.io_is_ev_io",
      SAME_TYPE(ev->iosig.io, struct ev_io));
  put("type", "iosig.sig_is_ev_signal",
      SAME_TYPE(ev->iosig.sig, struct ev_signal));
  put("type", "to_is_ev_timer", SAME_TYPE(ev->to, struct ev_timer));
  put("type", "ev_base", SAME_TYPE(ev->ev_base, struct event_base *));
  put("type", "ev_callback", SAME_TYPE(ev->ev_callback, event_callback_fn));
  put("type", "event_callback_fn",
      SAME_TYPE((event_callback_fn)0, void (*)(int, short, void *)));
  put("type", "event_log_cb",
      SAME_TYPE((event_log_cb)0, void (*)(int, const char *)));

  /* ---- constants ---- */
  CONST(EV_READ);
  CONST(EV_WRITE);
  CONST(EV_TIMEOUT);
  CONST(EV_SIGNAL);
  CONST(EV_PERSIST);
  CONST(EV_ET);
  CONST(EVLIST_TIMEOUT);
  CONST(EVLIST_INSERTED);
  CONST(EVLIST_SIGNAL);
  CONST(EVLIST_ACTIVE);
  CONST(EVLIST_INTERNAL);
  CONST(EVLIST_INIT);
  CONST(EVLOOP_ONCE);
  CONST(EVLOOP_ONESHOT);
  CONST(EVLOOP_NONBLOCK);
  CONST(_EVENT_LOG_DEBUG);
  CONST(_EVENT_LOG_MSG);
  CONST(_EVENT_LOG_WARN);
  CONST(_EVENT_LOG_ERR);

  /* ---- which names are macros (a program may test them with #ifdef) ---- */
#define DEFINED(name, yes) put("defined", name, yes)
#ifdef EVENT_H_
  DEFINED("EVENT_H_", 1);
#else
  DEFINED("EVENT_H_", 0);
#endif
#ifdef EV_READ
  DEFINED("EV_READ", 1);
#else
  DEFINED("EV_READ", 0);
#endif
#ifdef EV_WRITE
  DEFINED("EV_WRITE", 1);
#else
  DEFINED("EV_WRITE", 0);
#endif
#ifdef EV_TIMEOUT
  DEFINED("EV_TIMEOUT", 1);
#else
  DEFINED("EV_TIMEOUT", 0);
#endif
#ifdef EV_SIGNAL
  DEFINED("EV_SIGNAL", 1);
#else
  DEFINED("EV_SIGNAL", 0);
#endif
#ifdef EVLOOP_ONCE
  DEFINED("EVLOOP_ONCE", 1);
#else
  DEFINED("EVLOOP_ONCE", 0);
#endif
#ifdef evsignal_set
  DEFINED("evsignal_set", 1);
#else
  DEFINED("evsignal_set", 0);
#endif
#ifdef evtimer_new
  DEFINED("evtimer_new", 1);
#else
  DEFINED("evtimer_new", 0);
#endif
#ifdef event_get_struct_event_size
  DEFINED("event_get_struct_event_size", 1);
#else
  DEFINED("event_get_struct_event_size", 0);
#endif

  /* ---- function types ---- */
  put("fn", "event_get_version",
      SAME_TYPE(&event_get_version, const char *(*)(void)));
  put("fn", "event_get_method",
      SAME_TYPE(&event_get_method, const char *(*)(void)));
  put("fn", "event_init", SAME_TYPE(&event_init, void *(*)(void)));
  put("fn", "event_base_free",
      SAME_TYPE(&event_base_free, void (*)(struct event_base *)));
  put("fn", "event_loop", SAME_TYPE(&event_loop, int (*)(int)));
  put("fn", "event_loopexit",
      SAME_TYPE(&event_loopexit, int (*)(struct timeval *)));
  put("fn", "event_dispatch", SAME_TYPE(&event_dispatch, int (*)(void)));
  put("fn", "event_set_log_callback",
      SAME_TYPE(&event_set_log_callback, void (*)(event_log_cb)));
  put("fn", "event_set",
      SAME_TYPE(&event_set, void (*)(struct event *, int, short,
                                     void (*)(int, short, void *), void *)));
  put("fn", "event_once",
      SAME_TYPE(&event_once, int (*)(int, short, void (*)(int, short, void *),
                                     void *, struct timeval *)));
  put("fn", "event_add",
      SAME_TYPE(&event_add, int (*)(struct event *, struct timeval *)));
  put("fn", "event_del", SAME_TYPE(&event_del, int (*)(struct event *)));
  put("fn", "event_active",
      SAME_TYPE(&event_active, void (*)(struct event *, int, short)));
  put("fn", "event_pending",
      SAME_TYPE(&event_pending,
                int (*)(struct event *, short, struct timeval *)));
  put("fn", "event_priority_init",
      SAME_TYPE(&event_priority_init, int (*)(int)));
  put("fn", "event_priority_set",
      SAME_TYPE(&event_priority_set, int (*)(struct event *, int)));
  put("fn", "event_get_callback",
      SAME_TYPE(&event_get_callback,
                event_callback_fn (*)(const struct event *)));
  put("fn", "event_base_new",
      SAME_TYPE(&event_base_new, struct event_base *(*)(void)));
  put("fn", "event_base_get_method",
      SAME_TYPE(&event_base_get_method,
                const char *(*)(const struct event_base *)));
  put("fn", "event_base_set",
      SAME_TYPE(&event_base_set,
                int (*)(struct event_base *, struct event *)));
  put("fn", "event_base_loop",
      SAME_TYPE(&event_base_loop, int (*)(struct event_base *, int)));
  put("fn", "event_base_loopexit",
      SAME_TYPE(&event_base_loopexit,
                int (*)(struct event_base *, struct timeval *)));
  put("fn", "event_base_dispatch",
      SAME_TYPE(&event_base_dispatch, int (*)(struct event_base *)));
  put("fn", "event_base_once",
      SAME_TYPE(&event_base_once,
                int (*)(struct event_base *, int, short,
                        void (*)(int, short, void *), void *,
                        struct timeval *)));
  put("fn", "event_base_priority_init",
      SAME_TYPE(&event_base_priority_init,
                int (*)(struct event_base *, int)));

  /* ---- what the macros do ---- */
  CALLV(evtimer_set, evtimer_set(ev, user_cb, &the_arg));
  CALL(evtimer_add, evtimer_add(ev, tv));
  CALL(evtimer_del, evtimer_del(ev));
  CALL(evtimer_pending, evtimer_pending(ev, tv));
  CALLV(timeout_set, timeout_set(ev, user_cb, &the_arg));
  CALL(timeout_add, timeout_add(ev, tv));
  CALL(timeout_del, timeout_del(ev));
  CALL(timeout_pending, timeout_pending(ev, tv));
  CALLV(signal_set, signal_set(ev, 10, user_cb, &the_arg));
  CALL(signal_add, signal_add(ev, tv));
  CALL(signal_del, signal_del(ev));
  CALL(signal_pending, signal_pending(ev, tv));

  memset(ev, 0, sizeof *ev);
  ev->ev_fd = 77;
  ev->ev_flags = 0x7f;
  put("macro", "event_initialized.0x7f", (long long)event_initialized(ev));
  put("macro", "evtimer_initialized.0x7f", (long long)evtimer_initialized(ev));
  put("macro", "timeout_initialized.0x7f", (long long)timeout_initialized(ev));
  put("macro", "signal_initialized.0x7f", (long long)signal_initialized(ev));
  ev->ev_flags = 0xff;
  put("macro", "event_initialized.0xff", (long long)event_initialized(ev));
  put("macro", "evtimer_initialized.0xff", (long long)evtimer_initialized(ev));
  put("macro", "timeout_initialized.0xff", (long long)timeout_initialized(ev));
  put("macro", "signal_initialized.0xff", (long long)signal_initialized(ev));
  put("macro", "EVENT_FD", (long long)EVENT_FD(ev));
  put("macro", "EVENT_SIGNAL", (long long)EVENT_SIGNAL(ev));
  put("macro", "EVENT_FD_size", (long long)sizeof(EVENT_FD(ev)));
  return 0;
}
