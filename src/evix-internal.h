/* evix-internal.h - the loop structure and what the library's files share.
 *
 * Invariants (ev_verify checks them):
 *  - A watcher is active iff `active` != 0.  What `active` holds depends on
 *    the type: 1 for io (the watcher is on fds[fd].head's list), the heap
 *    slot for timers, 1 + its index in the loop's array for idle, prepare,
 *    check, fork and cleanup watchers.
 *  - A watcher is pending iff `pending` != 0; then
 *    pendings[pri][pending - 1].w == the watcher, where pri is its
 *    priority at the time it was queued.  Un-pending a watcher replaces its
 *    queue entry with the loop's dummy watcher instead of moving entries.
 *  - Every started watcher's priority is within EV_MINPRI..EV_MAXPRI.
 *  - activecnt counts active watchers, plus ev_ref, minus ev_unref.
 */
#ifndef EVIX_INTERNAL_H
#define EVIX_INTERNAL_H

/* Built by configure, or by the Ruby gem's extconf.rb (which cannot use
 * the name config.h: a config.h left in src/ by an in-tree configure would
 * be found first). */
#ifdef EVIX_EMBEDDED
#include "evix_ext_config.h"
#else
#include "config.h"
#endif

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* Everything the public headers declare is exported; the rest of the
 * library is hidden by -fvisibility=hidden.  Built into another shared
 * object (EVIX_EMBEDDED, the Ruby gem), nothing is exported, so that the
 * copy cannot clash with another libev in the same process. */
#ifdef EVIX_EMBEDDED
#define EVIX_PUBLIC_BEGIN
#define EVIX_PUBLIC_END
#else
#define EVIX_PUBLIC_BEGIN _Pragma("GCC visibility push(default)")
#define EVIX_PUBLIC_END _Pragma("GCC visibility pop")
#endif

EVIX_PUBLIC_BEGIN
#include "ev.h"
#include "evix.h"
/* Exported and read through the GOT: a program may have copy-relocated it,
 * and then its copy is the one variable everybody must use. */
extern struct ev_loop *ev_default_loop_ptr;
EVIX_PUBLIC_END

#define EVIX_NUMPRI (EV_MAXPRI - EV_MINPRI + 1)

#if defined(__GNUC__)
#define EVIX_LIKELY(x) __builtin_expect(!!(x), 1)
#define EVIX_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define EVIX_NORETURN __attribute__((noreturn))
#define EVIX_COLD __attribute__((cold))
#define EVIX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define EVIX_LIKELY(x) (x)
#define EVIX_UNLIKELY(x) (x)
#define EVIX_NORETURN
#define EVIX_COLD
#define EVIX_PRINTF(f, a)
#endif

/* The longest single wait: long waits are split so that a wall-clock jump
 * is noticed within about a minute even without any event.  Once a timerfd
 * reports wall-clock changes, the loop may sleep much longer. */
#define EVIX_MAX_BLOCKTIME 59.743
#define EVIX_MAX_BLOCKTIME_TIMERFD 1500001.07
/* Periodic intervals below this are treated as this, for stability. */
#define EVIX_MIN_INTERVAL (1. / 8192.)
/* Valid signal numbers are 1 .. EVIX_NSIG - 1. */
#define EVIX_NSIG 65
/* How often the wall clock is re-read while the monotonic clock is used
 * to advance ev_now, and the smallest change counted as a clock jump. */
#define EVIX_MIN_TIMEJUMP 1.0

/* ---- per-fd state -------------------------------------------------------- */

/* Flags in evix_fd.reify: the fd is on the change list; EV__IOFDSET (0x80)
 * additionally says that it may now refer to a different file. */
#define EVIX_FD_CHANGED 0x01

struct evix_fd {
  ev_watcher_list *head; /* io watchers on this fd */
  unsigned char events;  /* EV_READ|EV_WRITE the backend was last told */
  unsigned char reify;   /* EVIX_FD_CHANGED | EV__IOFDSET, or 0 */
  unsigned char emask;   /* epoll: the mask the kernel holds for the fd */
  unsigned char eperm;   /* epoll: the kernel refused the fd (a file) */
  unsigned int egen;     /* epoll: generation of the registration */
};

/* ---- pending queue ------------------------------------------------------- */

struct evix_pending {
  ev_watcher *w;
  int events;
};

/* ---- timer heap ---------------------------------------------------------- */

struct evix_heap_node {
  ev_tstamp at; /* cached copy of w->at: sifting reads only this array */
  ev_watcher_time *w;
};

/* ---- a growable array of watcher pointers ------------------------------- */

struct evix_warray {
  ev_watcher **w;
  int cnt;
  int max;
};

struct evix_backend;

struct ev_loop {
  /* time */
  ev_tstamp now;           /* ev_now(): wall clock, once per iteration */
  ev_tstamp mono;          /* monotonic now, what timers run on */
  ev_tstamp rt_minus_mono; /* now - mono at the last wall-clock read */
  ev_tstamp mono_synced;   /* mono at the last wall-clock read */
  ev_tstamp io_blocktime;
  ev_tstamp timeout_blocktime;
  ev_tstamp suspended_mono; /* mono at ev_suspend */

  /* backend */
  const struct evix_backend *backend;
  void *backend_state;
  int backend_fd;          /* -1 for backends without a kernel object */
  int backend_rebuild;     /* kernel state went stale; re-create it */

  /* pending callbacks, one LIFO queue per priority */
  struct evix_pending *pendings[EVIX_NUMPRI];
  int pendingcnt[EVIX_NUMPRI];
  int pendingmax[EVIX_NUMPRI];
  int pendingpri; /* queue ev_invoke_pending is draining */
  ev_prepare pending_w; /* stands in for un-pended watchers */

  /* io */
  struct evix_fd *fds;
  int fdmax;
  int *fdchanges;
  int fdchangecnt;
  int fdchangemax;

  /* timers: an implicit d-ary min-heap, see heap.h; timers points into
   * timers_mem, at a cache-line boundary */
  struct evix_heap_node *timers;
  void *timers_mem;
  int timercnt;
  int timermax;

  /* expired watchers, fed in reverse so the earliest runs first */
  ev_watcher **rfeeds;
  int rfeedcnt;
  int rfeedmax;

  /* periodics: a second heap, keyed on wall-clock time */
  struct evix_heap_node *periodics;
  void *periodics_mem;
  int periodiccnt;
  int periodicmax;
  int timerfd;      /* notices wall-clock changes; -1 if none */
  ev_io timerfd_w;

  struct evix_warray idles[EVIX_NUMPRI];
  int idleall; /* active idle watchers over all priorities */
  struct evix_warray prepares;
  struct evix_warray checks;
  struct evix_warray forks;
  struct evix_warray cleanups;
  struct evix_warray asyncs;

  /* Wake-up channel for signal handlers and other threads: an eventfd
   * (evpipe[0] == evpipe[1]) or a pipe; -1 until first needed.  The flags
   * are accessed atomically. */
  int evpipe[2];
  ev_io pipe_w;
  int pipe_write_wanted;  /* the loop may be blocking: writers must write */
  int pipe_write_skipped; /* a wake-up was not written: do not block */
  int async_pending;      /* some ev_async was sent */
  int sig_pending;        /* some signal arrived for this loop */
  int wake_pending;       /* evix_wake was called */

  /* signalfd (EVFLAG_SIGNALFD) */
  int sigfd;
  ev_io sigfd_w;
  sigset_t sigfd_set;

  /* ev_stat's inotify state, owned by stat.c */
  struct evix_stat_state *stat_state;

  /* run state */
  int activecnt;
  int loop_done;       /* EVBREAK_* requested */
  int blocking;        /* inside release_cb .. acquire_cb */
  unsigned int iteration;
  unsigned int depth;
  unsigned int flags;  /* effective flags, after LIBEV_FLAGS */
  unsigned int origflags;
  pid_t curpid;        /* EVFLAG_FORKCHECK: pid the loop belongs to */
  int postfork;        /* ev_loop_fork was called */

  /* hooks */
  evix_wait_wrapper wait_wrapper;
  void *wait_wrapper_data;
  void *userdata;
  ev_loop_callback invoke_cb;
  void (*release_cb)(struct ev_loop *loop);
  void (*acquire_cb)(struct ev_loop *loop);
};

/* ---- error.c --------------------------------------------------------------- */

/* A caller broke the API contract: prints "evix: FUNC: message" on stderr,
 * then aborts. */
void evix__misuse(const char *func, const char *fmt, ...)
    EVIX_PRINTF(2, 3) EVIX_NORETURN EVIX_COLD;
/* A system call failed in a way the loop cannot handle (msg is libev's
 * text, e.g. "(libev) epoll_wait"): the syserr callback, else perror and
 * abort. */
void evix__syserr(const char *msg) EVIX_COLD;

/* ---- alloc.c --------------------------------------------------------------- */

/* realloc through the ev_set_allocator hook; aborts instead of returning
 * NULL for size > 0; size 0 frees and returns NULL. */
void *evix__realloc(void *ptr, long size);
#define evix__free(p) ((void)evix__realloc((p), 0))

/* Grows *base to hold at least `need` elements of `elem` bytes, doubling;
 * `zero` clears the new tail. */
void *evix__grow(void *base, int *max, int need, size_t elem, int zero);

/* The same for an array that must start on a cache line (the heaps):
 * *mem is the allocation, the aligned array is returned. */
#define EVIX_CACHELINE 64
void *evix__grow_aligned(void **mem, void *base, int *max, int need,
                         size_t elem);

#define EVIX_RESERVE(base, max, need)                                        \
  do {                                                                       \
    if (EVIX_UNLIKELY((need) > (max)))                                       \
      (base) = evix__grow((base), &(max), (need), sizeof *(base), 0);        \
  } while (0)

/* ---- time.c ----------------------------------------------------------------- */

static inline ev_tstamp
evix__monotonic(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (ev_tstamp)ts.tv_sec + (ev_tstamp)ts.tv_nsec * 1e-9;
}

/* Re-reads the wall clock (time.c); evix__time_update calls it every half
 * second, and when a timerfd says the clock was set. */
void evix__time_resync(struct ev_loop *loop);

/* Refreshes mono and now: once or twice per iteration, so inline. */
static inline void
evix__time_update(struct ev_loop *loop)
{
  loop->mono = evix__monotonic();
  if (EVIX_LIKELY(loop->mono - loop->mono_synced < EVIX_MIN_TIMEJUMP * 0.5))
    loop->now = loop->rt_minus_mono + loop->mono;
  else
    evix__time_resync(loop);
}

void evix__time_init(struct ev_loop *loop);

/* ---- pending.c / pending.h ------------------------------------------------ */

void evix__pending_init(struct ev_loop *loop);
void evix__pending_free(struct ev_loop *loop);
void evix__queue_events(struct ev_loop *loop, ev_watcher **w, int n,
                        int type);
/* Feeds the collected rfeeds in reverse order, then empties the list. */
void evix__feed_reverse_done(struct ev_loop *loop, int type);

/* ---- io.c ------------------------------------------------------------------- */

void evix__fd_reify(struct ev_loop *loop);
/* The backend saw revents on fd (ignored while the fd has unapplied
 * changes, because they may belong to the file that was there before). */
void evix__fd_event(struct ev_loop *loop, int fd, int revents);
/* fd is not a valid descriptor: stop its watchers, feed them EV_ERROR. */
void evix__fd_kill(struct ev_loop *loop, int fd);
/* Finds and kills the descriptors the kernel calls invalid. */
void evix__fd_ebadf(struct ev_loop *loop);
/* Out of memory in the kernel: kill the highest fd so the loop can go on. */
void evix__fd_enomem(struct ev_loop *loop);
/* The kernel forgot every registration: register every fd again. */
void evix__fd_rearm_all(struct ev_loop *loop);
void evix__fd_free(struct ev_loop *loop);

/* ---- timer.c ---------------------------------------------------------------- */

void evix__timers_reify(struct ev_loop *loop);
void evix__timers_free(struct ev_loop *loop);

/* ---- idle.c / prepare_check.c ------------------------------------------------ */

void evix__idle_reify(struct ev_loop *loop);
void evix__idle_free(struct ev_loop *loop);
void evix__prepare_check_free(struct ev_loop *loop);

/* ---- wakeup.c: the loop's eventfd/pipe for signals and other threads ------ */

/* Creates the wake-up channel and its internal watcher, if not there yet. */
void evix__evpipe_init(struct ev_loop *loop);
/* Re-creates it after fork and forces a pass over signals and asyncs. */
void evix__evpipe_fork(struct ev_loop *loop);
void evix__evpipe_free(struct ev_loop *loop);
/* Sets *flag and wakes the loop if it may be blocking; async-signal-safe
 * and thread-safe. */
void evix__wakeup(struct ev_loop *loop, int *flag);
/* Called by the wake-up watcher: delivers pending signals and asyncs. */
void evix__signals_deliver(struct ev_loop *loop);
void evix__asyncs_deliver(struct ev_loop *loop);

/* ---- signal.c / child.c ------------------------------------------------- */

void evix__signal_loop_gone(struct ev_loop *loop);
/* ev_verify's checks of the process-wide signal and child tables. */
void evix__signals_verify(struct ev_loop *loop);
void evix__childs_verify(struct ev_loop *loop);
void evix__sigfd_free(struct ev_loop *loop);
/* The default loop's SIGCHLD handling. */
void evix__child_init(struct ev_loop *loop);
void evix__child_free(struct ev_loop *loop);

/* ---- periodic.c ------------------------------------------------------------ */

void evix__periodics_reify(struct ev_loop *loop);
/* The wall clock jumped: recompute every periodic's next time. */
void evix__periodics_reschedule(struct ev_loop *loop);
void evix__timerfd_fork(struct ev_loop *loop);
void evix__periodics_free(struct ev_loop *loop);

/* ---- timer.c (continued) ---------------------------------------------------- */

/* Moves every timer's expiry by delta (ev_resume). */
void evix__timers_shift(struct ev_loop *loop, ev_tstamp delta);

/* ---- fork_cleanup.c --------------------------------------------------------- */

void evix__fork_cleanup_free(struct ev_loop *loop);

/* ---- async.c ------------------------------------------------------------------- */

void evix__async_free(struct ev_loop *loop);

/* ---- loop.c -------------------------------------------------------------------- */

/* Re-creates kernel state after fork or when it went stale. */
void evix__loop_reinit(struct ev_loop *loop);

#endif
