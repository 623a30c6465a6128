/* periodic.c - ev_periodic: events at wall-clock times.
 *
 * While active, a periodic's `at` is the absolute wall-clock time of its
 * next event (programs read it through ev_periodic_at).  Three modes:
 *  - absolute: interval 0 and no reschedule_cb: once, at `offset`;
 *  - interval: at the next offset + N * interval strictly after now;
 *  - manual: reschedule_cb(w, now) says when, and must not say the past.
 * Periodics sit on their own heap, keyed on wall-clock time.  When the wall
 * clock jumps (noticed by time.c, or at once by a timerfd that the kernel
 * cancels when the clock is set), every periodic's next time is derived
 * again from its rule, so they follow the new wall clock while timers do
 * not.
 */
#include "heap.h"
#include "pending.h"

#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <unistd.h>
#ifdef HAVE_SYS_TIMERFD_H
#include <sys/timerfd.h>
#endif

/* The next time after now of the form offset + N * interval. */
static void
periodic_recalc(struct ev_loop *loop, ev_periodic *w)
{
  ev_tstamp interval =
      w->interval > EVIX_MIN_INTERVAL ? w->interval : EVIX_MIN_INTERVAL;
  ev_tstamp at =
      w->offset + interval * floor((loop->now - w->offset) / interval);

  /* floor() can land one step short (or exactly on now) through rounding. */
  while (at <= loop->now) {
    ev_tstamp next = at + interval;
    if (next == at) { /* interval below the resolution of `at` */
      at = loop->now;
      break;
    }
    at = next;
  }
  w->at = at;
}

/* Sets w->at for a periodic that is (re)started or fired. */
static void
periodic_schedule(struct ev_loop *loop, ev_periodic *w, const char *func)
{
  if (w->reschedule_cb) {
    w->at = w->reschedule_cb(w, loop->now);
  } else if (w->interval > 0.) {
    periodic_recalc(loop, w);
  } else {
    if (EVIX_UNLIKELY(w->interval < 0.))
      evix__misuse(func, "negative interval %g", w->interval);
    w->at = w->offset;
  }
}

#ifdef HAVE_SYS_TIMERFD_H
static void
timerfd_arm(struct ev_loop *loop)
{
  struct itimerspec its;

  /* A far-future absolute expiry whose only purpose is to be cancelled
   * (ECANCELED on read) when someone sets the clock. */
  its.it_interval.tv_sec = its.it_interval.tv_nsec = 0;
  its.it_value.tv_sec = (time_t)loop->now + 0x7fffffff / 2;
  its.it_value.tv_nsec = 0;
  timerfd_settime(loop->timerfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
                  &its, NULL);
}

static void
timerfd_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  uint64_t expirations;

  (void)w;
  (void)revents;
  if (read(loop->timerfd, &expirations, sizeof expirations) < 0 &&
      errno == ECANCELED) {
    /* The wall clock was set: resynchronise now rather than within the
     * next half second, then follow it with every periodic. */
    loop->mono_synced = -1e100;
    evix__time_update(loop);
    evix__periodics_reschedule(loop);
  }
  timerfd_arm(loop);
}

static void
timerfd_init(struct ev_loop *loop)
{
  if (loop->timerfd >= 0 || (loop->flags & EVFLAG_NOTIMERFD))
    return;
  loop->timerfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (loop->timerfd < 0)
    return;
  timerfd_arm(loop);
  ev_io_init(&loop->timerfd_w, timerfd_cb, loop->timerfd, EV_READ);
  ev_set_priority(&loop->timerfd_w, EV_MINPRI);
  ev_io_start(loop, &loop->timerfd_w);
  ev_unref(loop);
}
#else
static void
timerfd_init(struct ev_loop *loop)
{
  (void)loop;
}
#endif

static void
timerfd_free(struct ev_loop *loop)
{
  if (loop->timerfd < 0)
    return;
  if (loop->timerfd_w.active) {
    ev_ref(loop);
    ev_io_stop(loop, &loop->timerfd_w);
  }
  close(loop->timerfd);
  loop->timerfd = -1;
}

void
evix__timerfd_fork(struct ev_loop *loop)
{
  if (loop->timerfd < 0)
    return;
  timerfd_free(loop);
  timerfd_init(loop);
}

static void
periodic_start(struct ev_loop *loop, ev_periodic *w, const char *func)
{
  int k;

  periodic_schedule(loop, w, func);
  k = EVIX_HEAP0 + loop->periodiccnt++;
  if (EVIX_UNLIKELY(k + 1 > loop->periodicmax))
    loop->periodics = evix__grow_aligned(&loop->periodics_mem,
                                         loop->periodics, &loop->periodicmax,
                                         k + 1, sizeof *loop->periodics);
  evix__start(loop, (ev_watcher *)w, k, func);
  loop->periodics[k].at = w->at;
  loop->periodics[k].w = (ev_watcher_time *)w;
  evix__heap_up(loop->periodics, k);
  timerfd_init(loop);
}

static void
periodic_stop(struct ev_loop *loop, ev_periodic *w)
{
  int k = w->active;
  int last = EVIX_HEAP0 + --loop->periodiccnt;

  if (k < last) {
    loop->periodics[k] = loop->periodics[last];
    loop->periodics[k].w->active = k;
    evix__heap_adjust(loop->periodics, last, k);
  }
  evix__stop(loop, (ev_watcher *)w);
}

void
ev_periodic_start(struct ev_loop *loop, ev_periodic *w) EV_NOEXCEPT
{
  if (EVIX_UNLIKELY(w->active))
    return;
  periodic_start(loop, w, "ev_periodic_start");
}

void
ev_periodic_stop(struct ev_loop *loop, ev_periodic *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  periodic_stop(loop, w);
}

void
ev_periodic_again(struct ev_loop *loop, ev_periodic *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (w->active)
    periodic_stop(loop, w);
  periodic_start(loop, w, "ev_periodic_again");
}

void
evix__periodics_reify(struct ev_loop *loop)
{
  while (loop->periodiccnt && loop->periodics[EVIX_HEAP0].at < loop->now) {
    ev_periodic *w = (ev_periodic *)loop->periodics[EVIX_HEAP0].w;

    if (w->reschedule_cb) {
      ev_tstamp at = w->reschedule_cb(w, loop->now);
      if (EVIX_UNLIKELY(at < loop->now))
        evix__misuse("ev_periodic", "reschedule_cb returned a time in the "
                                    "past (%f < now %f)", at, loop->now);
      w->at = at;
    } else if (w->interval > 0.) {
      periodic_recalc(loop, w);
    } else {
      evix__clear_pending(loop, (ev_watcher *)w);
      periodic_stop(loop, w);
      goto queue;
    }
    loop->periodics[EVIX_HEAP0].at = w->at;
    evix__heap_down(loop->periodics, EVIX_HEAP0 + loop->periodiccnt,
                    EVIX_HEAP0);
  queue:
    EVIX_RESERVE(loop->rfeeds, loop->rfeedmax, loop->rfeedcnt + 1);
    loop->rfeeds[loop->rfeedcnt++] = (ev_watcher *)w;
  }
  evix__feed_reverse_done(loop, EV_PERIODIC);
}

void
evix__periodics_reschedule(struct ev_loop *loop)
{
  int k, end = EVIX_HEAP0 + loop->periodiccnt;

  for (k = EVIX_HEAP0; k < end; ++k) {
    ev_periodic *w = (ev_periodic *)loop->periodics[k].w;
    if (w->reschedule_cb)
      w->at = w->reschedule_cb(w, loop->now);
    else if (w->interval > 0.)
      periodic_recalc(loop, w);
    loop->periodics[k].at = w->at;
  }
  /* Every key changed: rebuild the heap bottom-up. */
  for (k = end; k-- > EVIX_HEAP0;)
    evix__heap_down(loop->periodics, end, k);
}

void
evix__periodics_free(struct ev_loop *loop)
{
  timerfd_free(loop);
  evix__free(loop->periodics_mem);
  loop->periodics_mem = NULL;
  loop->periodics = NULL;
  loop->periodiccnt = loop->periodicmax = 0;
}
