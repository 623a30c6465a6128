/* ev.h - evix's libev 4.33 compatible interface.
 *
 * This header is a drop-in for libev's ev.h: programs written for libev
 * compile against it unchanged, and programs compiled against libev's ev.h
 * run on libevix unchanged.  Everything a compiled program bakes in is
 * therefore fixed: the values of the constants, the layout of every
 * watcher struct (x86_64: ev_io 48 bytes, ev_timer 48, ev_stat 400, ...),
 * the field protocols of the init/set macros, and the names and signatures
 * of the exported functions.  Do not change any of them.
 *
 * A watcher is a struct the caller owns.  The library only links it into
 * its own arrays while it is active or pending; it never allocates one.
 * Common head of every watcher (x86_64 offsets):
 *
 *    0  int active     0 when stopped; otherwise an index private to the
 *                      library (a heap slot for timers, 1 for io, ...)
 *    4  int pending    0 when not pending; otherwise 1 + the watcher's slot
 *                      in its priority's pending queue
 *    8  int priority   EV_MINPRI..EV_MAXPRI, clamped when started
 *   16  void *data     for the caller (EV_COMMON)
 *   24  cb             void (*)(struct ev_loop *, watcher *, int revents)
 */
#ifndef EV_H_
#define EV_H_

/* Installed headers are system headers to their users' compilers (libev's
 * lives in /usr/include); keep ours from tripping warnings such as C++'s
 * -Wshadow on ev_loop() next to struct ev_loop wherever it is installed. */
#if defined __GNUC__
#pragma GCC system_header
#endif

#ifdef __cplusplus
#define EV_CPP(x) x
#if __cplusplus >= 201103L
#define EV_NOEXCEPT noexcept
#else
#define EV_NOEXCEPT
#endif
#else
#define EV_CPP(x)
#define EV_NOEXCEPT
#endif
/* The pre-4.25 name of EV_NOEXCEPT. */
#define EV_THROW EV_NOEXCEPT

EV_CPP(extern "C" {)

/* ---- configuration ------------------------------------------------------
 *
 * libev lets an embedding program trim features with EV_FEATURES and the
 * EV_*_ENABLE macros.  evix is one shared library with one feature set, so
 * the macros only report what is there; they keep libev's values because
 * programs test them with #if.
 */

#ifndef EV_COMPAT3
#define EV_COMPAT3 1
#endif

#ifndef EV_FEATURES
#if defined __OPTIMIZE_SIZE__
#define EV_FEATURES 0x7c
#else
#define EV_FEATURES 0x7f
#endif
#endif

#define EV_FEATURE_CODE ((EV_FEATURES) & 1)
#define EV_FEATURE_DATA ((EV_FEATURES) & 2)
#define EV_FEATURE_CONFIG ((EV_FEATURES) & 4)
#define EV_FEATURE_API ((EV_FEATURES) & 8)
#define EV_FEATURE_WATCHERS ((EV_FEATURES) & 16)
#define EV_FEATURE_BACKENDS ((EV_FEATURES) & 32)
#define EV_FEATURE_OS ((EV_FEATURES) & 64)

#ifndef EV_MINPRI
#define EV_MINPRI (EV_FEATURE_CONFIG ? -2 : 0)
#endif
#ifndef EV_MAXPRI
#define EV_MAXPRI (EV_FEATURE_CONFIG ? +2 : 0)
#endif

#ifndef EV_MULTIPLICITY
#define EV_MULTIPLICITY EV_FEATURE_CONFIG
#endif
#if !EV_MULTIPLICITY
#error "evix always has multiple loops: EV_MULTIPLICITY must be nonzero"
#endif

#ifndef EV_PERIODIC_ENABLE
#define EV_PERIODIC_ENABLE EV_FEATURE_WATCHERS
#endif
#ifndef EV_STAT_ENABLE
#define EV_STAT_ENABLE EV_FEATURE_WATCHERS
#endif
/* ev_embed contains an ev_io and an ev_prepare, so both are always there;
 * libev's header reports them as 1. */
#undef EV_PREPARE_ENABLE
#define EV_PREPARE_ENABLE 1
#undef EV_IO_ENABLE
#define EV_IO_ENABLE 1
#ifndef EV_CHECK_ENABLE
#define EV_CHECK_ENABLE EV_FEATURE_WATCHERS
#endif
#ifndef EV_IDLE_ENABLE
#define EV_IDLE_ENABLE EV_FEATURE_WATCHERS
#endif
#ifndef EV_FORK_ENABLE
#define EV_FORK_ENABLE EV_FEATURE_WATCHERS
#endif
#ifndef EV_CLEANUP_ENABLE
#define EV_CLEANUP_ENABLE EV_FEATURE_WATCHERS
#endif
#ifndef EV_SIGNAL_ENABLE
#define EV_SIGNAL_ENABLE EV_FEATURE_WATCHERS
#endif
#ifndef EV_CHILD_ENABLE
#define EV_CHILD_ENABLE EV_FEATURE_WATCHERS
#endif
#ifndef EV_ASYNC_ENABLE
#define EV_ASYNC_ENABLE EV_FEATURE_WATCHERS
#endif
#ifndef EV_EMBED_ENABLE
#define EV_EMBED_ENABLE EV_FEATURE_WATCHERS
#endif
/* ev_walk is not part of the 4.33 ABI. */
#ifndef EV_WALK_ENABLE
#define EV_WALK_ENABLE 0
#endif

#ifndef EV_TSTAMP_T
#define EV_TSTAMP_T double
#endif
typedef EV_TSTAMP_T ev_tstamp;

/* Programs written for libev get these through ev.h too. */
#include <signal.h> /* sig_atomic_t */
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#ifndef EV_ATOMIC_T
#define EV_ATOMIC_T sig_atomic_t volatile
#endif

/* What ev_stat reports: the platform's struct stat. */
typedef struct stat ev_statdata;

#ifndef EV_INLINE
#if defined __cplusplus || (defined __STDC_VERSION__ && __STDC_VERSION__ >= 199901L)
#define EV_INLINE static inline
#else
#define EV_INLINE static
#endif
#endif

#ifndef EV_PROTOTYPES
#define EV_PROTOTYPES 1
#endif

#ifdef EV_API_STATIC
#define EV_API_DECL static
#else
#define EV_API_DECL extern
#endif

/* ---- the loop argument ---------------------------------------------------
 *
 * Every function that works on a loop takes it first.  EV_P declares that
 * parameter, EV_A passes it on; EV_DEFAULT names the default loop.
 */
struct ev_loop;
#define EV_P struct ev_loop *loop
#define EV_P_ EV_P,
#define EV_A loop
#define EV_A_ EV_A,
#define EV_DEFAULT_UC ev_default_loop_uc_()
#define EV_DEFAULT_UC_ EV_DEFAULT_UC,
#define EV_DEFAULT ev_default_loop(0)
#define EV_DEFAULT_ EV_DEFAULT,

/* ---- event bits --------------------------------------------------------- */

enum {
  EV_UNDEF = (int)0xFFFFFFFF, /* guaranteed never to be delivered */
  EV_NONE = 0x00,
  EV_READ = 0x01,            /* io: readable */
  EV_WRITE = 0x02,           /* io: writable */
  EV__IOFDSET = 0x80,        /* private: fd (re)set since the last start */
  EV_IO = EV_READ,           /* io watcher event, for clarity */
  EV_TIMER = 0x00000100,
#if EV_COMPAT3
  EV_TIMEOUT = EV_TIMER,     /* the pre-4.0 name */
#endif
  EV_PERIODIC = 0x00000200,
  EV_SIGNAL = 0x00000400,
  EV_CHILD = 0x00000800,
  EV_STAT = 0x00001000,
  EV_IDLE = 0x00002000,
  EV_PREPARE = 0x00004000,
  EV_CHECK = 0x00008000,
  EV_EMBED = 0x00010000,
  EV_FORK = 0x00020000,
  EV_CLEANUP = 0x00040000,
  EV_ASYNC = 0x00080000,
  EV_CUSTOM = 0x01000000,    /* free for the caller's own ev_feed_event use */
  EV_ERROR = (int)0x80000000 /* something went wrong; the watcher stopped */
};

/* ---- watcher structs -----------------------------------------------------
 *
 * The head macros below may be overridden by a program before it includes
 * this header, as with libev; doing so changes the layout, and such a
 * program must then build evix from source with the same definitions.
 */

#ifndef EV_COMMON
#define EV_COMMON void *data;
#endif

#ifndef EV_CB_DECLARE
#define EV_CB_DECLARE(type) void (*cb)(EV_P_ struct type * w, int revents);
#endif
#ifndef EV_CB_INVOKE
#define EV_CB_INVOKE(watcher, revents) (watcher)->cb(EV_A_(watcher), (revents))
#endif

/* Not official libev API, but libev's header offers it: declares a callback
 * named `name` for watcher type ev_<type>. */
#define EV_CB(type, name) void name(EV_P_ struct ev_##type *w, int revents)

#if EV_MINPRI == EV_MAXPRI
#define EV_DECL_PRIORITY
#elif !defined EV_DECL_PRIORITY
#define EV_DECL_PRIORITY int priority;
#endif

/* The common head: read-only active/pending, read-write priority/data/cb. */
#define EV_WATCHER(type) \
  int active;            \
  int pending;           \
  EV_DECL_PRIORITY       \
  EV_COMMON              \
  EV_CB_DECLARE(type)

/* Head of watchers the library keeps on singly linked lists. */
#define EV_WATCHER_LIST(type) \
  EV_WATCHER(type)            \
  struct ev_watcher_list *next;

/* Head of watchers that wait for a point in time. */
#define EV_WATCHER_TIME(type) \
  EV_WATCHER(type)            \
  ev_tstamp at;

/* The "base classes": every watcher can be viewed through ev_watcher (and
 * every time watcher through ev_watcher_time).  Such views of another
 * watcher type are type punning; may_alias makes them well defined for
 * GCC and Clang under strict aliasing (ev_watcher_list likewise for the
 * list watchers).  It does not change the layout. */
#if defined __GNUC__
#define EV__MAY_ALIAS __attribute__((__may_alias__))
#else
#define EV__MAY_ALIAS
#endif

typedef struct EV__MAY_ALIAS ev_watcher {
  EV_WATCHER(ev_watcher)
} ev_watcher;

typedef struct EV__MAY_ALIAS ev_watcher_list {
  EV_WATCHER_LIST(ev_watcher_list)
} ev_watcher_list;

typedef struct EV__MAY_ALIAS ev_watcher_time {
  EV_WATCHER_TIME(ev_watcher_time)
} ev_watcher_time;

/* fd readable/writable: EV_READ, EV_WRITE. */
typedef struct ev_io {
  EV_WATCHER_LIST(ev_io)
  int fd;     /* read-only */
  int events; /* read-only; EV_READ|EV_WRITE, plus EV__IOFDSET until started */
} ev_io;

/* Relative timeout on the monotonic clock: EV_TIMER.  While stopped, `at`
 * holds the time left ("after"); while active, the absolute expiry. */
typedef struct ev_timer {
  EV_WATCHER_TIME(ev_timer)
  ev_tstamp repeat; /* read-write; 0 for a one-shot timer */
} ev_timer;

/* Wall-clock time or interval: EV_PERIODIC.  While active, `at` is the
 * absolute wall-clock time of the next event (see ev_periodic_at). */
typedef struct ev_periodic {
  EV_WATCHER_TIME(ev_periodic)
  ev_tstamp offset;   /* read-write */
  ev_tstamp interval; /* read-write */
  ev_tstamp (*reschedule_cb)(struct ev_periodic *w, ev_tstamp now) EV_NOEXCEPT;
} ev_periodic;

/* A signal was received: EV_SIGNAL. */
typedef struct ev_signal {
  EV_WATCHER_LIST(ev_signal)
  int signum; /* read-only */
} ev_signal;

/* A child changed state: EV_CHILD.  Default loop only. */
typedef struct ev_child {
  EV_WATCHER_LIST(ev_child)
  int flags;   /* private; bit 0: also report stops and continues */
  int pid;     /* read-only; 0 means any child */
  int rpid;    /* read-write; the pid that changed */
  int rstatus; /* read-write; its status as waitpid() reports it */
} ev_child;

/* A path's attributes changed: EV_STAT. */
typedef struct ev_stat {
  EV_WATCHER_LIST(ev_stat)
  ev_timer timer;      /* private: the polling timer */
  ev_tstamp interval;  /* read-only */
  const char *path;    /* read-only */
  ev_statdata prev;    /* read-only: attributes before the last change */
  ev_statdata attr;    /* read-only: current attributes; st_nlink 0 if none */
  int wd;              /* private: inotify watch, -1 none, -2 not tried */
} ev_stat;

/* Nothing else to do: EV_IDLE. */
typedef struct ev_idle {
  EV_WATCHER(ev_idle)
} ev_idle;

/* Before the loop blocks: EV_PREPARE. */
typedef struct ev_prepare {
  EV_WATCHER(ev_prepare)
} ev_prepare;

/* After the loop woke up: EV_CHECK. */
typedef struct ev_check {
  EV_WATCHER(ev_check)
} ev_check;

/* The loop is about to run in a forked child: EV_FORK. */
typedef struct ev_fork {
  EV_WATCHER(ev_fork)
} ev_fork;

/* The loop is being destroyed: EV_CLEANUP. */
typedef struct ev_cleanup {
  EV_WATCHER(ev_cleanup)
} ev_cleanup;

/* Another loop has work to do: EV_EMBED.  All members after `other` are
 * the library's own helper watchers. */
typedef struct ev_embed {
  EV_WATCHER(ev_embed)
  struct ev_loop *other; /* read-only */
  ev_io io;
  ev_prepare prepare;
  ev_check check;
  ev_timer timer;
  ev_periodic periodic;
  ev_idle idle;
  ev_fork fork;
  ev_cleanup cleanup;
} ev_embed;

/* Woken from another thread or a signal handler: EV_ASYNC. */
typedef struct ev_async {
  EV_WATCHER(ev_async)
  EV_ATOMIC_T sent; /* private: a send is outstanding */
} ev_async;

#define ev_async_pending(w) (+(w)->sent)

/* Any watcher; its size is that of the largest. */
union ev_any_watcher {
  struct ev_watcher w;
  struct ev_watcher_list wl;
  struct ev_io io;
  struct ev_timer timer;
  struct ev_periodic periodic;
  struct ev_signal signal;
  struct ev_child child;
  struct ev_stat stat;
  struct ev_idle idle;
  struct ev_prepare prepare;
  struct ev_check check;
  struct ev_fork fork;
  struct ev_cleanup cleanup;
  struct ev_embed embed;
  struct ev_async async;
};

/* ---- loop flags and backends -------------------------------------------- */

enum {
  EVFLAG_AUTO = 0x00000000U,       /* the default: choose everything */
  EVFLAG_NOENV = 0x01000000U,      /* ignore the LIBEV_FLAGS environment */
  EVFLAG_FORKCHECK = 0x02000000U,  /* notice fork() by checking getpid() */
  EVFLAG_NOINOTIFY = 0x00100000U,  /* ev_stat never uses inotify */
#if EV_COMPAT3
  EVFLAG_NOSIGFD = 0,              /* the pre-3.9 name; now the default */
#endif
  EVFLAG_SIGNALFD = 0x00200000U,   /* read signals through signalfd */
  EVFLAG_NOSIGMASK = 0x00400000U,  /* leave the signal mask alone */
  EVFLAG_NOTIMERFD = 0x00800000U   /* no timerfd for wall-clock jumps */
};

enum {
  EVBACKEND_SELECT = 0x00000001U,
  EVBACKEND_POLL = 0x00000002U,
  EVBACKEND_EPOLL = 0x00000004U,   /* Linux */
  EVBACKEND_KQUEUE = 0x00000008U,  /* BSD, macOS */
  EVBACKEND_DEVPOLL = 0x00000010U, /* Solaris 8 (never implemented) */
  EVBACKEND_PORT = 0x00000020U,    /* Solaris 10 */
  EVBACKEND_LINUXAIO = 0x00000040U,
  EVBACKEND_IOURING = 0x00000080U,
  EVBACKEND_ALL = 0x000000FFU,
  EVBACKEND_MASK = 0x0000FFFFU
};

/* ev_run flags */
enum {
  EVRUN_NOWAIT = 1, /* one iteration that does not block */
  EVRUN_ONCE = 2    /* one iteration that blocks at most once */
};

/* ev_break how */
enum {
  EVBREAK_CANCEL = 0, /* withdraw an earlier ev_break */
  EVBREAK_ONE = 1,    /* leave the innermost ev_run */
  EVBREAK_ALL = 2     /* leave every nested ev_run */
};

#define EV_VERSION_MAJOR 4
#define EV_VERSION_MINOR 33

/* ---- functions ----------------------------------------------------------- */

#if EV_PROTOTYPES

/* Global: versions, backend sets, time, allocator and error hooks. */
EV_API_DECL int ev_version_major(void) EV_NOEXCEPT;
EV_API_DECL int ev_version_minor(void) EV_NOEXCEPT;

EV_API_DECL unsigned int ev_supported_backends(void) EV_NOEXCEPT;
EV_API_DECL unsigned int ev_recommended_backends(void) EV_NOEXCEPT;
EV_API_DECL unsigned int ev_embeddable_backends(void) EV_NOEXCEPT;

EV_API_DECL ev_tstamp ev_time(void) EV_NOEXCEPT;
EV_API_DECL void ev_sleep(ev_tstamp delay) EV_NOEXCEPT;

/* realloc-like: size 0 frees; must not return NULL for size > 0. */
EV_API_DECL void ev_set_allocator(void *(*cb)(void *ptr, long size)
                                      EV_NOEXCEPT) EV_NOEXCEPT;
/* Called on unrecoverable system-call failures instead of abort(). */
EV_API_DECL void ev_set_syserr_cb(void (*cb)(const char *msg)
                                      EV_NOEXCEPT) EV_NOEXCEPT;

/* The default loop: the only one that handles child watchers.  Returns the
 * existing loop on later calls, NULL if no backend could be initialised. */
EV_API_DECL struct ev_loop *ev_default_loop(unsigned int flags EV_CPP(= 0))
    EV_NOEXCEPT;

/* The default loop without the call: ev_default_loop_ptr is set by
 * ev_default_loop and cleared when the default loop is destroyed.  It is
 * an exported 8-byte object that compiled programs read directly; like
 * libev, the header declares it only here, not at file scope. */
EV_INLINE struct ev_loop *
ev_default_loop_uc_(void) EV_NOEXCEPT
{
  extern struct ev_loop *ev_default_loop_ptr;

  return ev_default_loop_ptr;
}

EV_INLINE int
ev_is_default_loop(EV_P) EV_NOEXCEPT
{
  return EV_A == EV_DEFAULT_UC;
}

/* A new, independent loop; NULL if no backend could be initialised. */
EV_API_DECL struct ev_loop *ev_loop_new(unsigned int flags EV_CPP(= 0))
    EV_NOEXCEPT;

/* The loop's idea of the current wall-clock time, updated once per
 * iteration. */
EV_API_DECL ev_tstamp ev_now(EV_P) EV_NOEXCEPT;

/* Frees a loop (or resets the default one).  Cleanup watchers run first. */
EV_API_DECL void ev_loop_destroy(EV_P);

/* Tells the loop it now runs in a forked child: kernel state is re-created
 * at the start of the next iteration. */
EV_API_DECL void ev_loop_fork(EV_P) EV_NOEXCEPT;

EV_API_DECL unsigned int ev_backend(EV_P) EV_NOEXCEPT;
EV_API_DECL void ev_now_update(EV_P) EV_NOEXCEPT;

#if EV_WALK_ENABLE
EV_API_DECL void ev_walk(EV_P_ int types, void (*cb)(EV_P_ int type, void *w))
    EV_NOEXCEPT;
#endif

#endif /* EV_PROTOTYPES */

#if EV_PROTOTYPES

/* Runs the loop; returns nonzero while active watchers remain. */
EV_API_DECL int ev_run(EV_P_ int flags EV_CPP(= 0));
EV_API_DECL void ev_break(EV_P_ int how EV_CPP(= EVBREAK_ONE)) EV_NOEXCEPT;

/* Every active watcher holds a reference on its loop; ev_run returns when
 * none is left.  ev_unref lets a watcher not count. */
EV_API_DECL void ev_ref(EV_P) EV_NOEXCEPT;
EV_API_DECL void ev_unref(EV_P) EV_NOEXCEPT;

/* One event on fd (if fd >= 0) or a timeout (if timeout >= 0), whichever
 * comes first, without a watcher of the caller's. */
EV_API_DECL void ev_once(EV_P_ int fd, int events, ev_tstamp timeout,
                         void (*cb)(int revents, void *arg), void *arg)
    EV_NOEXCEPT;

EV_API_DECL void ev_invoke_pending(EV_P);

EV_API_DECL unsigned int ev_iteration(EV_P) EV_NOEXCEPT;
EV_API_DECL unsigned int ev_depth(EV_P) EV_NOEXCEPT;
/* Checks the loop's internal structures; aborts if they are corrupt. */
EV_API_DECL void ev_verify(EV_P) EV_NOEXCEPT;

EV_API_DECL void ev_set_io_collect_interval(EV_P_ ev_tstamp interval)
    EV_NOEXCEPT;
EV_API_DECL void ev_set_timeout_collect_interval(EV_P_ ev_tstamp interval)
    EV_NOEXCEPT;

EV_API_DECL void ev_set_userdata(EV_P_ void *data) EV_NOEXCEPT;
EV_API_DECL void *ev_userdata(EV_P) EV_NOEXCEPT;

typedef void (*ev_loop_callback)(EV_P);
/* Replaces ev_invoke_pending as the loop's way of running callbacks. */
EV_API_DECL void ev_set_invoke_pending_cb(EV_P_ ev_loop_callback
                                              invoke_pending_cb) EV_NOEXCEPT;
/* release runs just before the loop blocks, acquire just after. */
EV_API_DECL void ev_set_loop_release_cb(EV_P_ void (*release)(EV_P)
                                            EV_NOEXCEPT,
                                        void (*acquire)(EV_P) EV_NOEXCEPT)
    EV_NOEXCEPT;

EV_API_DECL unsigned int ev_pending_count(EV_P) EV_NOEXCEPT;

/* Stop and restart time keeping, e.g. around a process suspension. */
EV_API_DECL void ev_suspend(EV_P) EV_NOEXCEPT;
EV_API_DECL void ev_resume(EV_P) EV_NOEXCEPT;

#endif /* EV_PROTOTYPES */

/* ---- watcher macros ------------------------------------------------------
 *
 * These store into the watcher's fields directly; compiled programs carry
 * them, so the field protocol is part of the ABI.  They may evaluate `ev`
 * more than once and every other argument exactly once.
 *
 * They reach the common head of any watcher type through ev_watcher or
 * ev_watcher_time, which are declared may_alias for that reason.
 */

#define ev_init(ev, cb_)                            \
  do {                                              \
    ((ev_watcher *)(void *)(ev))->active = 0;       \
    ((ev_watcher *)(void *)(ev))->pending = 0;      \
    ev_set_priority((ev), 0);                       \
    ev_set_cb((ev), cb_);                           \
  } while (0)

#define ev_io_modify(ev, events_) \
  do { (ev)->events = ((ev)->events & EV__IOFDSET) | (events_); } while (0)
#define ev_io_set(ev, fd_, events_) \
  do { (ev)->fd = (fd_); (ev)->events = (events_) | EV__IOFDSET; } while (0)
#define ev_timer_set(ev, after_, repeat_)            \
  do {                                               \
    ((ev_watcher_time *)(void *)(ev))->at = (after_); \
    (ev)->repeat = (repeat_);                        \
  } while (0)
#define ev_periodic_set(ev, ofs_, ival_, rcb_) \
  do {                                         \
    (ev)->offset = (ofs_);                     \
    (ev)->interval = (ival_);                  \
    (ev)->reschedule_cb = (rcb_);              \
  } while (0)
#define ev_signal_set(ev, signum_) do { (ev)->signum = (signum_); } while (0)
#define ev_child_set(ev, pid_, trace_) \
  do { (ev)->pid = (pid_); (ev)->flags = !!(trace_); } while (0)
#define ev_stat_set(ev, path_, interval_) \
  do {                                    \
    (ev)->path = (path_);                 \
    (ev)->interval = (interval_);         \
    (ev)->wd = -2;                        \
  } while (0)
/* These watchers have no parameters. */
#define ev_idle_set(ev)
#define ev_prepare_set(ev)
#define ev_check_set(ev)
#define ev_fork_set(ev)
#define ev_cleanup_set(ev)
#define ev_async_set(ev)
#define ev_embed_set(ev, other_) do { (ev)->other = (other_); } while (0)

#define ev_io_init(ev, cb, fd, events) \
  do { ev_init((ev), (cb)); ev_io_set((ev), (fd), (events)); } while (0)
#define ev_timer_init(ev, cb, after, repeat) \
  do { ev_init((ev), (cb)); ev_timer_set((ev), (after), (repeat)); } while (0)
#define ev_periodic_init(ev, cb, ofs, ival, rcb)          \
  do {                                                   \
    ev_init((ev), (cb));                                 \
    ev_periodic_set((ev), (ofs), (ival), (rcb));         \
  } while (0)
#define ev_signal_init(ev, cb, signum) \
  do { ev_init((ev), (cb)); ev_signal_set((ev), (signum)); } while (0)
#define ev_child_init(ev, cb, pid, trace) \
  do { ev_init((ev), (cb)); ev_child_set((ev), (pid), (trace)); } while (0)
#define ev_stat_init(ev, cb, path, interval) \
  do { ev_init((ev), (cb)); ev_stat_set((ev), (path), (interval)); } while (0)
#define ev_idle_init(ev, cb) \
  do { ev_init((ev), (cb)); ev_idle_set((ev)); } while (0)
#define ev_prepare_init(ev, cb) \
  do { ev_init((ev), (cb)); ev_prepare_set((ev)); } while (0)
#define ev_check_init(ev, cb) \
  do { ev_init((ev), (cb)); ev_check_set((ev)); } while (0)
#define ev_fork_init(ev, cb) \
  do { ev_init((ev), (cb)); ev_fork_set((ev)); } while (0)
#define ev_cleanup_init(ev, cb) \
  do { ev_init((ev), (cb)); ev_cleanup_set((ev)); } while (0)
#define ev_embed_init(ev, cb, other) \
  do { ev_init((ev), (cb)); ev_embed_set((ev), (other)); } while (0)
#define ev_async_init(ev, cb) \
  do { ev_init((ev), (cb)); ev_async_set((ev)); } while (0)

#define ev_is_pending(ev) (0 + ((ev_watcher *)(void *)(ev))->pending)
#define ev_is_active(ev) (0 + ((ev_watcher *)(void *)(ev))->active)

/* The callback member of the watcher's own type, as an lvalue. */
#define ev_cb_(ev) (ev)->cb
/* The callback is read and written through the watcher's own type. */
#define ev_cb(ev) ((ev)->cb)
#define ev_set_cb(ev, cb_) ((void)(ev_cb_(ev) = (cb_)))

#if EV_MINPRI == EV_MAXPRI
#define ev_priority(ev) ((ev), EV_MINPRI)
#define ev_set_priority(ev, pri) ((ev), (pri))
#else
#define ev_priority(ev) (+(((ev_watcher *)(void *)(ev))->priority))
#define ev_set_priority(ev, pri) \
  (((ev_watcher *)(void *)(ev))->priority = (pri))
#endif

#define ev_periodic_at(ev) (+((ev_watcher_time *)(void *)(ev))->at)

#if EV_PROTOTYPES

/* Makes a watcher pending with the given events, as if they happened; it
 * need not be active. */
EV_API_DECL void ev_feed_event(EV_P_ void *w, int revents) EV_NOEXCEPT;
/* Feeds every io watcher on fd the events it is interested in. */
EV_API_DECL void ev_feed_fd_event(EV_P_ int fd, int revents) EV_NOEXCEPT;
/* Async-signal-safe: as if signum had been delivered to the process. */
EV_API_DECL void ev_feed_signal(int signum) EV_NOEXCEPT;
EV_API_DECL void ev_feed_signal_event(EV_P_ int signum) EV_NOEXCEPT;
/* Calls the watcher's callback now, touching nothing else. */
EV_API_DECL void ev_invoke(EV_P_ void *w, int revents);
/* Un-pends a watcher; returns the events it had pending, or 0. */
EV_API_DECL int ev_clear_pending(EV_P_ void *w) EV_NOEXCEPT;

EV_API_DECL void ev_io_start(EV_P_ ev_io *w) EV_NOEXCEPT;
EV_API_DECL void ev_io_stop(EV_P_ ev_io *w) EV_NOEXCEPT;

EV_API_DECL void ev_timer_start(EV_P_ ev_timer *w) EV_NOEXCEPT;
EV_API_DECL void ev_timer_stop(EV_P_ ev_timer *w) EV_NOEXCEPT;
/* Re-arms a repeating timer to now + repeat (see the manual's rules). */
EV_API_DECL void ev_timer_again(EV_P_ ev_timer *w) EV_NOEXCEPT;
EV_API_DECL ev_tstamp ev_timer_remaining(EV_P_ ev_timer *w) EV_NOEXCEPT;

EV_API_DECL void ev_periodic_start(EV_P_ ev_periodic *w) EV_NOEXCEPT;
EV_API_DECL void ev_periodic_stop(EV_P_ ev_periodic *w) EV_NOEXCEPT;
EV_API_DECL void ev_periodic_again(EV_P_ ev_periodic *w) EV_NOEXCEPT;

/* Only one loop at a time may watch a given signal. */
EV_API_DECL void ev_signal_start(EV_P_ ev_signal *w) EV_NOEXCEPT;
EV_API_DECL void ev_signal_stop(EV_P_ ev_signal *w) EV_NOEXCEPT;

/* Default loop only. */
EV_API_DECL void ev_child_start(EV_P_ ev_child *w) EV_NOEXCEPT;
EV_API_DECL void ev_child_stop(EV_P_ ev_child *w) EV_NOEXCEPT;

EV_API_DECL void ev_stat_start(EV_P_ ev_stat *w) EV_NOEXCEPT;
EV_API_DECL void ev_stat_stop(EV_P_ ev_stat *w) EV_NOEXCEPT;
EV_API_DECL void ev_stat_stat(EV_P_ ev_stat *w) EV_NOEXCEPT;

EV_API_DECL void ev_idle_start(EV_P_ ev_idle *w) EV_NOEXCEPT;
EV_API_DECL void ev_idle_stop(EV_P_ ev_idle *w) EV_NOEXCEPT;

EV_API_DECL void ev_prepare_start(EV_P_ ev_prepare *w) EV_NOEXCEPT;
EV_API_DECL void ev_prepare_stop(EV_P_ ev_prepare *w) EV_NOEXCEPT;

EV_API_DECL void ev_check_start(EV_P_ ev_check *w) EV_NOEXCEPT;
EV_API_DECL void ev_check_stop(EV_P_ ev_check *w) EV_NOEXCEPT;

EV_API_DECL void ev_fork_start(EV_P_ ev_fork *w) EV_NOEXCEPT;
EV_API_DECL void ev_fork_stop(EV_P_ ev_fork *w) EV_NOEXCEPT;

EV_API_DECL void ev_cleanup_start(EV_P_ ev_cleanup *w) EV_NOEXCEPT;
EV_API_DECL void ev_cleanup_stop(EV_P_ ev_cleanup *w) EV_NOEXCEPT;

/* The embedded loop's backend must be in ev_embeddable_backends(). */
EV_API_DECL void ev_embed_start(EV_P_ ev_embed *w) EV_NOEXCEPT;
EV_API_DECL void ev_embed_stop(EV_P_ ev_embed *w) EV_NOEXCEPT;
EV_API_DECL void ev_embed_sweep(EV_P_ ev_embed *w) EV_NOEXCEPT;

EV_API_DECL void ev_async_start(EV_P_ ev_async *w) EV_NOEXCEPT;
EV_API_DECL void ev_async_stop(EV_P_ ev_async *w) EV_NOEXCEPT;
/* The one call that is safe from any thread and from signal handlers. */
EV_API_DECL void ev_async_send(EV_P_ ev_async *w) EV_NOEXCEPT;

#endif /* EV_PROTOTYPES */

/* ---- pre-4.0 names (EV_COMPAT3) ------------------------------------------ */

#if EV_COMPAT3
#define EVLOOP_NONBLOCK EVRUN_NOWAIT
#define EVLOOP_ONESHOT EVRUN_ONCE
#define EVUNLOOP_CANCEL EVBREAK_CANCEL
#define EVUNLOOP_ONE EVBREAK_ONE
#define EVUNLOOP_ALL EVBREAK_ALL
#if EV_PROTOTYPES
EV_INLINE void
ev_loop(EV_P_ int flags)
{
  ev_run(EV_A_ flags);
}

EV_INLINE void
ev_unloop(EV_P_ int how)
{
  ev_break(EV_A_ how);
}

EV_INLINE void
ev_default_destroy(void)
{
  ev_loop_destroy(EV_DEFAULT);
}

EV_INLINE void
ev_default_fork(void)
{
  ev_loop_fork(EV_DEFAULT);
}

#if EV_FEATURE_API
EV_INLINE unsigned int
ev_loop_count(EV_P)
{
  return ev_iteration(EV_A);
}

EV_INLINE unsigned int
ev_loop_depth(EV_P)
{
  return ev_depth(EV_A);
}

EV_INLINE void
ev_loop_verify(EV_P)
{
  ev_verify(EV_A);
}
#endif
#endif
#else
typedef struct ev_loop ev_loop;
#endif

EV_CPP(})

#endif /* EV_H_ */
