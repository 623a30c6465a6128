/* time.c - the loop's two clocks.
 *
 * Timers run on the monotonic clock (loop->mono), so changing the system
 * time never makes them fire early or late.  ev_now() is wall-clock time:
 * reading the wall clock every iteration would cost a second clock call,
 * so ev_now is derived from the monotonic clock plus an offset, and the
 * offset is refreshed from the real wall clock every half second.  A change
 * of the offset larger than the loop could have slept is a wall-clock jump.
 */
#include "evix-internal.h"

#include <errno.h>
#include <math.h>
#include <time.h>

static ev_tstamp
ts_to_tstamp(const struct timespec *ts)
{
  return (ev_tstamp)ts->tv_sec + (ev_tstamp)ts->tv_nsec * 1e-9;
}

ev_tstamp
ev_time(void) EV_NOEXCEPT
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts_to_tstamp(&ts);
}

void
ev_sleep(ev_tstamp delay) EV_NOEXCEPT
{
  struct timespec ts;

  if (!(delay > 0))
    return;
  ts.tv_sec = (time_t)delay;
  ts.tv_nsec = (long)((delay - (ev_tstamp)ts.tv_sec) * 1e9);
  if (ts.tv_nsec >= 1000000000L)
    ts.tv_nsec = 999999999L;
  /* Sleep the whole time even when a signal interrupts us. */
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

void
evix__time_init(struct ev_loop *loop)
{
  loop->mono = evix__monotonic();
  loop->now = ev_time();
  loop->mono_synced = loop->mono;
  loop->rt_minus_mono = loop->now - loop->mono;
}

void
evix__time_resync(struct ev_loop *loop)
{
  ev_tstamp old_diff;

  /* Re-read the wall clock; bracket the read between two monotonic reads
   * so that a preemption between them does not skew the offset. */
  old_diff = loop->rt_minus_mono;
  {
    ev_tstamp before = loop->mono;
    ev_tstamp rt = ev_time();
    ev_tstamp after = evix__monotonic();
    loop->mono = after;
    loop->now = rt;
    loop->rt_minus_mono = rt - (before + after) * 0.5;
  }
  loop->mono_synced = loop->mono;

  /* The offset moved: the wall clock was set.  Timers do not care (they
   * are monotonic); periodics follow the wall clock. */
  if (fabs(loop->rt_minus_mono - old_diff) > EVIX_MIN_TIMEJUMP &&
      loop->periodiccnt)
    evix__periodics_reschedule(loop);
}

ev_tstamp
ev_now(struct ev_loop *loop) EV_NOEXCEPT
{
  return loop->now;
}

void
ev_now_update(struct ev_loop *loop) EV_NOEXCEPT
{
  evix__time_update(loop);
}

void
ev_suspend(struct ev_loop *loop) EV_NOEXCEPT
{
  ev_now_update(loop);
  loop->suspended_mono = loop->mono;
}

void
ev_resume(struct ev_loop *loop) EV_NOEXCEPT
{
  ev_now_update(loop);
  /* Timers keep the time they had left: the suspension does not count.
   * Periodics follow the wall clock; events missed meanwhile are lost. */
  evix__timers_shift(loop, loop->mono - loop->suspended_mono);
  evix__periodics_reschedule(loop);
}
