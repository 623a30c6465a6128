/* ev++.h - C++ classes over evix's C API, with the interface of libev
 * 4.33's ev++.h so that C++ programs written for libev build unchanged.
 *
 * Everything lives in namespace ev:
 *   - constants: READ, WRITE, TIMER, ... (event bits), AUTO, NOENV, EPOLL,
 *     ... (loop flags and backends), NOWAIT, ONCE (run flags) and the
 *     how_t values ONE, ALL (break modes);
 *   - loops: loop_ref (a non-owning handle), default_loop and
 *     dynamic_loop (which owns its loop), and bad_loop, thrown when a loop
 *     cannot be created;
 *   - watchers: io, timer, periodic, sig, child, stat, idle, prepare,
 *     check, embed, fork and async.  Each derives from its C struct
 *     (ev::io is an ev_io), remembers the loop it belongs to, stops itself
 *     when destroyed and cannot be copied;
 *   - free functions: now, delay, version_major, version_minor, the three
 *     backend queries, set_allocator and set_syserr_cb.
 *
 * A watcher's callback is chosen with one of the set<> templates:
 *   w.set<&function>(data)       void function(ev::io &w, int revents)
 *   w.set<K, &K::method>(obj)    void K::method(ev::io &w, int revents)
 *   w.set<K, &K::method>(obj)    void K::method() (the no-argument form)
 *   w.set(&functor)              void K::operator()(ev::io &w, int revents)
 * The object or data pointer is kept in the watcher's `data` member.
 *
 * Reconfiguring a watcher with set(...) stops it first and starts it again
 * afterwards if it was active, which the C macros do not do.
 *
 * Where libev's header cannot be used as documented, this one does what
 * the manual describes instead: embed::start(loop) embeds that loop, and
 * calling a watcher (w(revents)) invokes its callback.
 *
 * Define EV_H to the header to include instead of "ev.h", and
 * EV_USE_STDEXCEPT to 0 to keep bad_loop from deriving from
 * std::exception.
 */
#ifndef EVIX_EVPP_H
#define EVIX_EVPP_H

#ifdef EV_H
#include EV_H
#else
#include "ev.h"
#endif

#ifndef EV_USE_STDEXCEPT
#define EV_USE_STDEXCEPT 1
#endif

#if EV_USE_STDEXCEPT
#include <stdexcept>
#endif

#if !(defined __cpp_exceptions || defined __EXCEPTIONS || defined _CPPUNWIND)
/* Without exceptions a failed loop constructor can only abort. */
#include <cstdlib>
#endif

/* Helpers for this file only; they are undefined at its end. */
#if __cplusplus >= 201103L
#define EVIX_PP_NULL nullptr
#define EVIX_PP_NOTHROW noexcept
#define EVIX_PP_OVERRIDE override
#define EVIX_PP_NO_COPY(cls)   \
  cls(const cls &) = delete;   \
  cls &operator=(const cls &) = delete;
#else
#if defined __GNUC__
/* GCC's own null: no -Wzero-as-null-pointer-constant warning. */
#define EVIX_PP_NULL __null
#else
#define EVIX_PP_NULL 0
#endif
#define EVIX_PP_NOTHROW throw()
#define EVIX_PP_OVERRIDE
#define EVIX_PP_NO_COPY(cls)   \
 private:                      \
  cls(const cls &);            \
  cls &operator=(const cls &); \
                               \
 public:
#endif

#if defined __cpp_exceptions || defined __EXCEPTIONS || defined _CPPUNWIND
#define EVIX_PP_FAIL(exc) throw exc
#else
#define EVIX_PP_FAIL(exc) std::abort()
#endif

namespace ev {

typedef ev_tstamp tstamp;

/* Event bits, as in ev.h. */
enum {
  UNDEF = EV_UNDEF,
  NONE = EV_NONE,
  READ = EV_READ,
  WRITE = EV_WRITE,
#if EV_COMPAT3
  TIMEOUT = EV_TIMEOUT,
#endif
  TIMER = EV_TIMER,
  PERIODIC = EV_PERIODIC,
  SIGNAL = EV_SIGNAL,
  CHILD = EV_CHILD,
  STAT = EV_STAT,
  IDLE = EV_IDLE,
  CHECK = EV_CHECK,
  PREPARE = EV_PREPARE,
  FORK = EV_FORK,
  ASYNC = EV_ASYNC,
  EMBED = EV_EMBED,
/* Some platform headers define ERROR as a macro, which would break the
 * enumerator; libev's header drops it the same way. */
#undef ERROR
  ERROR = EV_ERROR
};

/* Loop flags and backends for the loop constructors. */
enum {
  AUTO = EVFLAG_AUTO,
  NOENV = EVFLAG_NOENV,
  FORKCHECK = EVFLAG_FORKCHECK,
  SELECT = EVBACKEND_SELECT,
  POLL = EVBACKEND_POLL,
  EPOLL = EVBACKEND_EPOLL,
  KQUEUE = EVBACKEND_KQUEUE,
  DEVPOLL = EVBACKEND_DEVPOLL,
  PORT = EVBACKEND_PORT
};

/* Flags for loop_ref::run. */
enum {
#if EV_COMPAT3
  NONBLOCK = EVLOOP_NONBLOCK,
  ONESHOT = EVLOOP_ONESHOT,
#endif
  NOWAIT = EVRUN_NOWAIT,
  ONCE = EVRUN_ONCE
};

/* How far loop_ref::break_loop unwinds. */
enum how_t {
  ONE = EVBREAK_ONE,
  ALL = EVBREAK_ALL
};

/* Thrown by default_loop and dynamic_loop when no loop could be made,
 * typically because the requested backends are not available. */
struct bad_loop
#if EV_USE_STDEXCEPT
  : std::exception
#endif
{
#if EV_USE_STDEXCEPT
  const char *
  what() const EVIX_PP_NOTHROW EVIX_PP_OVERRIDE
  {
    return "evix: cannot create the event loop (are the requested "
           "backends, or LIBEV_FLAGS, usable here?)";
  }
#endif
};

/* A copyable handle on a loop that someone else owns.  It converts to and
 * from struct ev_loop *, so C functions take it directly. */
struct loop_ref {
  struct ev_loop *raw_loop;

  loop_ref(struct ev_loop *raw) EV_NOEXCEPT : raw_loop(raw)
  {
  }

  bool
  operator==(const loop_ref &other) const EV_NOEXCEPT
  {
    return raw_loop == other.raw_loop;
  }

  bool
  operator!=(const loop_ref &other) const EV_NOEXCEPT
  {
    return raw_loop != other.raw_loop;
  }

  bool
  operator==(const struct ev_loop *raw) const EV_NOEXCEPT
  {
    return raw_loop == raw;
  }

  bool
  operator!=(const struct ev_loop *raw) const EV_NOEXCEPT
  {
    return raw_loop != raw;
  }

  /* With only the const overloads above, comparing with a plain
   * struct ev_loop * would tie with the built-in pointer comparison that
   * the conversion operator offers, which compilers flag as ambiguous.
   * A template is an exact match for that case, yet takes no part when
   * the operand is a null pointer constant such as 0. */
  template <class L>
  bool
  operator==(L *raw) const EV_NOEXCEPT
  {
    return raw_loop == raw;
  }

  template <class L>
  bool
  operator!=(L *raw) const EV_NOEXCEPT
  {
    return raw_loop != raw;
  }

  operator struct ev_loop *() const EV_NOEXCEPT
  {
    return raw_loop;
  }

  operator const struct ev_loop *() const EV_NOEXCEPT
  {
    return raw_loop;
  }

  /* Asks ev_default_loop(0), as libev does, so it also creates the default
   * loop when there is none yet. */
  bool
  is_default() const EV_NOEXCEPT
  {
    return raw_loop == ev_default_loop(0);
  }

  /* Not noexcept: watcher callbacks may throw through ev_run. */
  void
  run(int flags = 0)
  {
    ev_run(raw_loop, flags);
  }

  void
  break_loop(how_t how = ONE) EV_NOEXCEPT
  {
    ev_break(raw_loop, how);
  }

#if EV_COMPAT3
  /* The pre-4.0 names of run and break_loop. */
  void
  loop(int flags = 0)
  {
    ev_run(raw_loop, flags);
  }

  void
  unloop(how_t how = ONE) EV_NOEXCEPT
  {
    ev_break(raw_loop, how);
  }
#endif

  /* Call in the child after fork() to keep using this loop there. */
  void
  post_fork() EV_NOEXCEPT
  {
    ev_loop_fork(raw_loop);
  }

  unsigned int
  backend() const EV_NOEXCEPT
  {
    return ev_backend(raw_loop);
  }

  tstamp
  now() const EV_NOEXCEPT
  {
    return ev_now(raw_loop);
  }

  void
  ref() EV_NOEXCEPT
  {
    ev_ref(raw_loop);
  }

  void
  unref() EV_NOEXCEPT
  {
    ev_unref(raw_loop);
  }

#if EV_FEATURE_API
  unsigned int
  iteration() const EV_NOEXCEPT
  {
    return ev_iteration(raw_loop);
  }

  unsigned int
  depth() const EV_NOEXCEPT
  {
    return ev_depth(raw_loop);
  }

  void
  set_io_collect_interval(tstamp interval) EV_NOEXCEPT
  {
    ev_set_io_collect_interval(raw_loop, interval);
  }

  void
  set_timeout_collect_interval(tstamp interval) EV_NOEXCEPT
  {
    ev_set_timeout_collect_interval(raw_loop, interval);
  }
#endif

  /* ev_once in five flavours: a C-style function with an argument, a
   * member function with or without the revents argument, a functor's
   * operator()(int), and a free function with or without revents. */
  void
  once(int fd, int events, tstamp timeout, void (*cb)(int, void *),
       void *arg = EVIX_PP_NULL) EV_NOEXCEPT
  {
    ev_once(raw_loop, fd, events, timeout, cb, arg);
  }

  template <class K, void (K::*method)(int)>
  void
  once(int fd, int events, tstamp timeout, K *object) EV_NOEXCEPT
  {
    once(fd, events, timeout, &loop_ref::method_thunk<K, method>, object);
  }

  template <class K>
  void
  once(int fd, int events, tstamp timeout, K *object) EV_NOEXCEPT
  {
    once(fd, events, timeout, &loop_ref::method_thunk<K, &K::operator()>,
         object);
  }

  template <class K, void (K::*method)()>
  void
  once(int fd, int events, tstamp timeout, K *object) EV_NOEXCEPT
  {
    once(fd, events, timeout, &loop_ref::method_noargs_thunk<K, method>,
         object);
  }

  template <void (*cb)(int)>
  void
  once(int fd, int events, tstamp timeout) EV_NOEXCEPT
  {
    once(fd, events, timeout, &loop_ref::simpler_func_thunk<cb>);
  }

  template <void (*cb)()>
  void
  once(int fd, int events, tstamp timeout) EV_NOEXCEPT
  {
    once(fd, events, timeout, &loop_ref::simplest_func_thunk<cb>);
  }

  /* The C callbacks behind the once templates; ev_once passes the object
   * (or nothing) as arg. */
  template <class K, void (K::*method)(int)>
  static void
  method_thunk(int revents, void *arg)
  {
    K *object = static_cast<K *>(arg);
    (object->*method)(revents);
  }

  template <class K, void (K::*method)()>
  static void
  method_noargs_thunk(int, void *arg)
  {
    K *object = static_cast<K *>(arg);
    (object->*method)();
  }

  template <void (*cb)(int)>
  static void
  simpler_func_thunk(int revents, void *)
  {
    cb(revents);
  }

  template <void (*cb)()>
  static void
  simplest_func_thunk(int, void *)
  {
    cb();
  }

  void
  feed_fd_event(int fd, int revents) EV_NOEXCEPT
  {
    ev_feed_fd_event(raw_loop, fd, revents);
  }

  void
  feed_signal_event(int signum) EV_NOEXCEPT
  {
    ev_feed_signal_event(raw_loop, signum);
  }
};

/* A loop of its own, from ev_loop_new; destroyed with this object. */
struct dynamic_loop : loop_ref {
  dynamic_loop(unsigned int flags = AUTO) : loop_ref(ev_loop_new(flags))
  {
    if (!raw_loop)
      EVIX_PP_FAIL(bad_loop());
  }

  ~dynamic_loop() EV_NOEXCEPT
  {
    ev_loop_destroy(raw_loop);
    raw_loop = EVIX_PP_NULL;
  }

  EVIX_PP_NO_COPY(dynamic_loop)
};

/* The default loop, created on first use.  It is not destroyed with this
 * object: it belongs to the whole program. */
struct default_loop : loop_ref {
  default_loop(unsigned int flags = AUTO) : loop_ref(ev_default_loop(flags))
  {
    if (!raw_loop)
      EVIX_PP_FAIL(bad_loop());
  }

  EVIX_PP_NO_COPY(default_loop)
};

/* A handle on the default loop (creating it if needed); the loop a watcher
 * uses when its constructor is given none. */
inline loop_ref
get_default_loop() EV_NOEXCEPT
{
  return loop_ref(ev_default_loop(0));
}

/* Per-type start and stop, found by overload on the C watcher type, so
 * that one base template serves every watcher class.  The namespace name
 * is unusual on purpose: programs often say "using namespace ev". */
namespace evix_detail {

#define EVIX_PP_START_STOP(type)                                       \
  inline void start_watcher(struct ev_loop *l, ev_##type *w) EV_NOEXCEPT \
  {                                                                    \
    ev_##type##_start(l, w);                                           \
  }                                                                    \
  inline void stop_watcher(struct ev_loop *l, ev_##type *w) EV_NOEXCEPT  \
  {                                                                    \
    ev_##type##_stop(l, w);                                            \
  }

EVIX_PP_START_STOP(io)
EVIX_PP_START_STOP(timer)
#if EV_PERIODIC_ENABLE
EVIX_PP_START_STOP(periodic)
#endif
#if EV_SIGNAL_ENABLE
EVIX_PP_START_STOP(signal)
#endif
#if EV_CHILD_ENABLE
EVIX_PP_START_STOP(child)
#endif
#if EV_STAT_ENABLE
EVIX_PP_START_STOP(stat)
#endif
#if EV_IDLE_ENABLE
EVIX_PP_START_STOP(idle)
#endif
#if EV_PREPARE_ENABLE
EVIX_PP_START_STOP(prepare)
#endif
#if EV_CHECK_ENABLE
EVIX_PP_START_STOP(check)
#endif
#if EV_EMBED_ENABLE
EVIX_PP_START_STOP(embed)
#endif
#if EV_FORK_ENABLE
EVIX_PP_START_STOP(fork)
#endif
#if EV_ASYNC_ENABLE
EVIX_PP_START_STOP(async)
#endif

#undef EVIX_PP_START_STOP

} // namespace evix_detail

/* What every watcher class has.  CW is the C watcher struct (ev_io) and W
 * the C++ class deriving from this (ev::io), so callbacks receive a W &.
 * The watcher is the C struct itself, so it can also be handed to any C
 * function taking an ev_io *. */
template <class CW, class W>
struct base : CW {
  /* Stops the watcher for its lifetime and restarts it afterwards if it
   * was active: the fields the set() methods change may only be written
   * while a watcher is stopped. */
  struct freeze_guard {
    W &w;
    bool active;

    freeze_guard(W *self) EV_NOEXCEPT : w(*self), active(self->is_active())
    {
      if (active)
        w.stop();
    }

    ~freeze_guard()
    {
      if (active)
        w.start();
    }
  };

  /* The loop the watcher is started in and stopped from. */
  loop_ref loop;

  base(loop_ref owner) EV_NOEXCEPT : loop(owner)
  {
    /* What ev_init does: inactive, not pending, priority 0, no callback. */
    this->active = 0;
    this->pending = 0;
#if EV_MINPRI != EV_MAXPRI
    this->priority = 0;
#endif
    this->cb = EVIX_PP_NULL;
  }

  /* Stopping needs only the C struct, which outlives the derived part. */
  ~base()
  {
    stop();
  }

  EVIX_PP_NO_COPY(base)

  /* Moves the watcher to another loop; only while it is stopped and not
   * pending. */
  void
  set(struct ev_loop *new_loop) EV_NOEXCEPT
  {
    loop = new_loop;
  }

  void
  start() EV_NOEXCEPT
  {
    evix_detail::start_watcher(loop.raw_loop, static_cast<CW *>(this));
  }

  /* Harmless on a stopped watcher; clears a pending event too. */
  void
  stop() EV_NOEXCEPT
  {
    evix_detail::stop_watcher(loop.raw_loop, static_cast<CW *>(this));
  }

  /* Stores the data pointer and the raw C callback. */
  void
  set_(const void *user_data, void (*c_cb)(struct ev_loop *, CW *, int))
      EV_NOEXCEPT
  {
    this->data = const_cast<void *>(user_data);
    this->cb = c_cb;
  }

  /* A free or static function as callback. */
  template <void (*function)(W &w, int)>
  void
  set(void *user_data = EVIX_PP_NULL) EV_NOEXCEPT
  {
    set_(user_data, &base::template function_thunk<function>);
  }

  /* A member function of object as callback. */
  template <class K, void (K::*method)(W &w, int)>
  void
  set(K *object) EV_NOEXCEPT
  {
    set_(object, &base::template method_thunk<K, method>);
  }

  /* A functor: object's operator()(W &, int) as callback. */
  template <class K>
  void
  set(K *object) EV_NOEXCEPT
  {
    set_(object, &base::template method_thunk<K, &K::operator()>);
  }

  /* A member function of object taking no arguments as callback. */
  template <class K, void (K::*method)()>
  void
  set(K *object) EV_NOEXCEPT
  {
    set_(object, &base::template method_noargs_thunk<K, method>);
  }

  /* The C callbacks the set<> templates install. */
  template <void (*function)(W &w, int)>
  static void
  function_thunk(struct ev_loop *, CW *w, int revents)
  {
    function(*static_cast<W *>(w), revents);
  }

  template <class K, void (K::*method)(W &w, int)>
  static void
  method_thunk(struct ev_loop *, CW *w, int revents)
  {
    K *object = static_cast<K *>(w->data);
    (object->*method)(*static_cast<W *>(w), revents);
  }

  template <class K, void (K::*method)()>
  static void
  method_noargs_thunk(struct ev_loop *, CW *w, int)
  {
    K *object = static_cast<K *>(w->data);
    (object->*method)();
  }

  /* Calls the callback directly, as ev_invoke would; a callback must have
   * been set. */
  void
  operator()(int revents = EV_UNDEF)
  {
    this->cb(loop.raw_loop, static_cast<CW *>(this), revents);
  }

  bool
  is_active() const EV_NOEXCEPT
  {
    return this->active != 0;
  }

  bool
  is_pending() const EV_NOEXCEPT
  {
    return this->pending != 0;
  }

  void
  feed_event(int revents) EV_NOEXCEPT
  {
    ev_feed_event(loop.raw_loop, static_cast<CW *>(this), revents);
  }
};

inline tstamp
now(struct ev_loop *l) EV_NOEXCEPT
{
  return ev_now(l);
}

/* ev_sleep under a name that does not collide with sleep(3). */
inline void
delay(tstamp interval) EV_NOEXCEPT
{
  ev_sleep(interval);
}

inline int
version_major() EV_NOEXCEPT
{
  return ev_version_major();
}

inline int
version_minor() EV_NOEXCEPT
{
  return ev_version_minor();
}

inline unsigned int
supported_backends() EV_NOEXCEPT
{
  return ev_supported_backends();
}

inline unsigned int
recommended_backends() EV_NOEXCEPT
{
  return ev_recommended_backends();
}

inline unsigned int
embeddable_backends() EV_NOEXCEPT
{
  return ev_embeddable_backends();
}

/* Before C++17, compilers warn that these two names will mangle
 * differently from C++17 on; being inline, that cannot matter here. */
#if defined __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunknown-warning-option"
#pragma clang diagnostic ignored "-Wc++17-compat-mangling"
#elif defined __GNUC__ && __GNUC__ >= 7
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnoexcept-type"
#endif

inline void
set_allocator(void *(*cb)(void *ptr, long size) EV_NOEXCEPT) EV_NOEXCEPT
{
  ev_set_allocator(cb);
}

inline void
set_syserr_cb(void (*cb)(const char *msg) EV_NOEXCEPT) EV_NOEXCEPT
{
  ev_set_syserr_cb(cb);
}

#if defined __clang__
#pragma clang diagnostic pop
#elif defined __GNUC__ && __GNUC__ >= 7
#pragma GCC diagnostic pop
#endif

/* ---- the watcher classes ------------------------------------------------
 *
 * Each constructor takes the loop (the default loop if omitted) and leaves
 * the watcher unconfigured: call set(...) or start(...) with arguments
 * before a plain start().  The using-declarations keep the base's set and
 * start overloads visible next to the type-specific ones.
 */

struct io : base<ev_io, io> {
  io(loop_ref owner = get_default_loop()) EV_NOEXCEPT : base<ev_io, io>(owner)
  {
  }

  using base<ev_io, io>::set;
  using base<ev_io, io>::start;

  void
  set(int new_fd, int new_events) EV_NOEXCEPT
  {
    freeze_guard freeze(this);
    this->fd = new_fd;
    this->events = new_events | EV__IOFDSET;
  }

  /* Changes only the event mask, as ev_io_modify does: the fd stays. */
  void
  set(int new_events) EV_NOEXCEPT
  {
    freeze_guard freeze(this);
    this->events = (this->events & EV__IOFDSET) | new_events;
  }

  void
  start(int new_fd, int new_events) EV_NOEXCEPT
  {
    set(new_fd, new_events);
    start();
  }
};

struct timer : base<ev_timer, timer> {
  timer(loop_ref owner = get_default_loop()) EV_NOEXCEPT
    : base<ev_timer, timer>(owner)
  {
  }

  using base<ev_timer, timer>::set;
  using base<ev_timer, timer>::start;

  void
  set(ev_tstamp after, ev_tstamp every = 0.) EV_NOEXCEPT
  {
    freeze_guard freeze(this);
    this->at = after;
    this->repeat = every;
  }

  void
  start(ev_tstamp after, ev_tstamp every = 0.) EV_NOEXCEPT
  {
    set(after, every);
    start();
  }

  void
  again() EV_NOEXCEPT
  {
    ev_timer_again(loop.raw_loop, this);
  }

  ev_tstamp
  remaining()
  {
    return ev_timer_remaining(loop.raw_loop, this);
  }
};

#if EV_PERIODIC_ENABLE
/* Only the offset/interval form: there is no reschedule callback here. */
struct periodic : base<ev_periodic, periodic> {
  periodic(loop_ref owner = get_default_loop()) EV_NOEXCEPT
    : base<ev_periodic, periodic>(owner)
  {
  }

  using base<ev_periodic, periodic>::set;
  using base<ev_periodic, periodic>::start;

  void
  set(ev_tstamp when, ev_tstamp every = 0.) EV_NOEXCEPT
  {
    freeze_guard freeze(this);
    this->offset = when;
    this->interval = every;
    this->reschedule_cb = EVIX_PP_NULL;
  }

  void
  start(ev_tstamp when, ev_tstamp every = 0.) EV_NOEXCEPT
  {
    set(when, every);
    start();
  }

  void
  again() EV_NOEXCEPT
  {
    ev_periodic_again(loop.raw_loop, this);
  }
};
#endif

#if EV_SIGNAL_ENABLE
/* ev_signal; "signal" is often a macro, hence the short name. */
struct sig : base<ev_signal, sig> {
  sig(loop_ref owner = get_default_loop()) EV_NOEXCEPT
    : base<ev_signal, sig>(owner)
  {
  }

  using base<ev_signal, sig>::set;
  using base<ev_signal, sig>::start;

  void
  set(int new_signum) EV_NOEXCEPT
  {
    freeze_guard freeze(this);
    this->signum = new_signum;
  }

  void
  start(int new_signum) EV_NOEXCEPT
  {
    set(new_signum);
    start();
  }
};
#endif

#if EV_CHILD_ENABLE
struct child : base<ev_child, child> {
  child(loop_ref owner = get_default_loop()) EV_NOEXCEPT
    : base<ev_child, child>(owner)
  {
  }

  using base<ev_child, child>::set;
  using base<ev_child, child>::start;

  /* pid 0 watches every child; a nonzero trace also reports stops and
   * continues. */
  void
  set(int child_pid, int trace = 0) EV_NOEXCEPT
  {
    freeze_guard freeze(this);
    this->pid = child_pid;
    this->flags = trace ? 1 : 0;
  }

  void
  start(int child_pid, int trace = 0) EV_NOEXCEPT
  {
    set(child_pid, trace);
    start();
  }
};
#endif

#if EV_STAT_ENABLE
struct stat : base<ev_stat, stat> {
  stat(loop_ref owner = get_default_loop()) EV_NOEXCEPT
    : base<ev_stat, stat>(owner)
  {
  }

  using base<ev_stat, stat>::set;
  using base<ev_stat, stat>::start;

  /* The path is not copied: it must stay valid while the watcher runs.
   * An interval of 0 lets the library choose. */
  void
  set(const char *new_path, ev_tstamp every = 0.) EV_NOEXCEPT
  {
    freeze_guard freeze(this);
    this->path = new_path;
    this->interval = every;
    this->wd = -2;
  }

  void
  start(const char *new_path, ev_tstamp every = 0.) EV_NOEXCEPT
  {
    stop();
    set(new_path, every);
    start();
  }

  /* Refreshes attr (and prev) now, as ev_stat_stat does. */
  void
  update() EV_NOEXCEPT
  {
    ev_stat_stat(loop.raw_loop, this);
  }
};
#endif

/* The watchers without parameters have an empty set(). */
#if EV_IDLE_ENABLE
struct idle : base<ev_idle, idle> {
  idle(loop_ref owner = get_default_loop()) EV_NOEXCEPT
    : base<ev_idle, idle>(owner)
  {
  }

  using base<ev_idle, idle>::set;

  void
  set() EV_NOEXCEPT
  {
  }
};
#endif

#if EV_PREPARE_ENABLE
struct prepare : base<ev_prepare, prepare> {
  prepare(loop_ref owner = get_default_loop()) EV_NOEXCEPT
    : base<ev_prepare, prepare>(owner)
  {
  }

  using base<ev_prepare, prepare>::set;

  void
  set() EV_NOEXCEPT
  {
  }
};
#endif

#if EV_CHECK_ENABLE
struct check : base<ev_check, check> {
  check(loop_ref owner = get_default_loop()) EV_NOEXCEPT
    : base<ev_check, check>(owner)
  {
  }

  using base<ev_check, check>::set;

  void
  set() EV_NOEXCEPT
  {
  }
};
#endif

#if EV_EMBED_ENABLE
/* set(loop) already means "move this watcher to loop", so the loop to
 * embed is given with set_embed. */
struct embed : base<ev_embed, embed> {
  embed(loop_ref owner = get_default_loop()) EV_NOEXCEPT
    : base<ev_embed, embed>(owner)
  {
  }

  using base<ev_embed, embed>::set;
  using base<ev_embed, embed>::start;

  void
  set_embed(struct ev_loop *embedded) EV_NOEXCEPT
  {
    freeze_guard freeze(this);
    this->other = embedded;
  }

  void
  start(struct ev_loop *embedded) EV_NOEXCEPT
  {
    set_embed(embedded);
    start();
  }

  /* Runs one non-blocking iteration of the embedded loop now. */
  void
  sweep()
  {
    ev_embed_sweep(loop.raw_loop, this);
  }
};
#endif

#if EV_FORK_ENABLE
struct fork : base<ev_fork, fork> {
  fork(loop_ref owner = get_default_loop()) EV_NOEXCEPT
    : base<ev_fork, fork>(owner)
  {
  }

  using base<ev_fork, fork>::set;

  void
  set() EV_NOEXCEPT
  {
  }
};
#endif

#if EV_ASYNC_ENABLE
struct async : base<ev_async, async> {
  async(loop_ref owner = get_default_loop()) EV_NOEXCEPT
    : base<ev_async, async>(owner)
  {
  }

  using base<ev_async, async>::set;

  /* Safe from other threads and from signal handlers. */
  void
  send() EV_NOEXCEPT
  {
    ev_async_send(loop.raw_loop, this);
  }

  /* True between send() and the loop noticing it. */
  bool
  async_pending() EV_NOEXCEPT
  {
    return this->sent != 0;
  }
};
#endif

} // namespace ev

#undef EVIX_PP_NULL
#undef EVIX_PP_NOTHROW
#undef EVIX_PP_OVERRIDE
#undef EVIX_PP_NO_COPY
#undef EVIX_PP_FAIL

#endif /* EVIX_EVPP_H */
