/* backend.h - the interface every kernel event mechanism implements.
 *
 * A backend only tracks interest in file descriptors and waits for
 * readiness; everything else (timers, pending queues, watchers) is the
 * core's.  The core calls, per iteration:
 *
 *   modify()  once for every fd whose interest changed (batched, before
 *             the wait),
 *   wait()    the blocking system call and nothing else: no allocation, no
 *             callbacks, no loop changes, so it may run with locks released
 *             (Ruby's GVL) between ev_set_loop_release_cb's two callbacks,
 *   collect() afterwards, turning what wait() found into fd events through
 *             evix__fd_event() / evix__fd_kill().
 */
#ifndef EVIX_BACKEND_H
#define EVIX_BACKEND_H

#include "evix-internal.h"

struct evix_backend {
  const char *name;
  unsigned int flag; /* EVBACKEND_* */

  /* The smallest nonzero wait the mechanism can express; shorter waits are
   * rounded up to it rather than turned into busy polling. */
  ev_tstamp mintime;

  /* Sets up loop->backend_state (and loop->backend_fd if the mechanism has
   * a kernel object).  Returns 0, or -1 when the mechanism is unavailable;
   * the core then tries the next backend. */
  int (*init)(struct ev_loop *loop);

  /* Releases everything init() made. */
  void (*destroy)(struct ev_loop *loop);

  /* Throws away kernel state and makes it again, after fork() or when it
   * went stale; the core then re-registers every fd through modify().
   * NULL for backends whose state lives only in the process. */
  void (*reinit)(struct ev_loop *loop);

  /* Interest in fd changes from oev to nev (each EV_READ|EV_WRITE, maybe
   * 0).  oev == nev means the fd may now name a different file and must be
   * registered again. */
  void (*modify)(struct ev_loop *loop, int fd, int oev, int nev);

  /* Waits at most `timeout` seconds (0: do not block).  Returns what the
   * system call returned (-1 with errno on failure). */
  int (*wait)(struct ev_loop *loop, ev_tstamp timeout);

  /* Processes the result of the last wait(). */
  void (*collect)(struct ev_loop *loop, int result);
};

#ifdef HAVE_BACKEND_KQUEUE
extern const struct evix_backend evix__backend_kqueue;
#endif
#ifdef HAVE_BACKEND_IOURING
extern const struct evix_backend evix__backend_iouring;
/* Whether the running kernel lets this process set up and use a ring
 * (it may lack io_uring, have it switched off, or filter it). */
int evix__iouring_usable(void);
/* Hands queued registration changes to the kernel without waiting, for a
 * loop that is embedded: the outer loop is about to block on its fd. */
void evix__iouring_flush(struct ev_loop *loop);
#endif
#ifdef HAVE_BACKEND_EPOLL
extern const struct evix_backend evix__backend_epoll;
#endif
#ifdef HAVE_BACKEND_POLL
extern const struct evix_backend evix__backend_poll;
#endif
#ifdef HAVE_BACKEND_SELECT
extern const struct evix_backend evix__backend_select;
#endif

/* Converts a wait in seconds to whole milliseconds, rounding up so that
 * the loop never wakes before a timer is due. */
static inline int
evix__timeout_ms(ev_tstamp timeout)
{
  if (timeout <= 0)
    return 0;
  if (timeout > 1e6)
    return 1000000000;
  return (int)(timeout * 1e3 + 0.9999);
}

/* Waits at least this long use the millisecond system calls (epoll_wait,
 * poll): they cost 50-100 ns less per call than epoll_pwait2 and ppoll,
 * and rounding such a wait up to the next millisecond adds at most 1 %.
 * Shorter waits use the nanosecond calls, so that a timer due in 0.3 ms
 * does not wait a whole millisecond. */
#define EVIX_FINE_WAIT_BELOW 0.1

/* Converts a wait in seconds to a timespec, rounded up to the next
 * nanosecond (the loop never wakes before a timer is due) and capped
 * like evix__timeout_ms. */
static inline void
evix__timeout_ts(ev_tstamp timeout, struct timespec *ts)
{
  if (!(timeout > 0.))
    timeout = 0.;
  else if (timeout > 1e6)
    timeout = 1e6;
  ts->tv_sec = (time_t)timeout;
  ts->tv_nsec = (long)((timeout - (ev_tstamp)ts->tv_sec) * 1e9 + 0.999);
  if (ts->tv_nsec > 999999999L) {
    ++ts->tv_sec;
    ts->tv_nsec = 0;
  }
}

#endif
