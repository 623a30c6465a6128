/* timer.c - ev_timer: relative timeouts on the monotonic clock.
 *
 * Field protocol (programs rely on it): while a timer is stopped, `at` is
 * the time left until it fires (ev_timer_set's "after"); while it is
 * active, `at` is the absolute monotonic expiry.  Starting adds the loop's
 * monotonic time, stopping subtracts it again.
 */
#include "heap.h"
#include "pending.h"

static inline void
timer_stop(struct ev_loop *loop, ev_timer *w)
{
  struct evix_heap_node *heap = loop->timers;
  int k = w->active;
  int last = EVIX_HEAP0 + --loop->timercnt;

  if (k < last) {
    heap[k] = heap[last];
    heap[k].w->active = k;
    evix__heap_adjust(heap, last, k);
  }
  w->at -= loop->mono;
  evix__stop(loop, (ev_watcher *)w);
}

static inline void
timer_start(struct ev_loop *loop, ev_timer *w, const char *func)
{
  struct evix_heap_node *heap;
  int k;

  if (EVIX_UNLIKELY(w->repeat < 0.))
    evix__misuse(func, "negative repeat value %g", w->repeat);
  w->at += loop->mono;
  k = EVIX_HEAP0 + loop->timercnt++;
  if (EVIX_UNLIKELY(k + 1 > loop->timermax))
    loop->timers = evix__grow_aligned(&loop->timers_mem, loop->timers,
                                      &loop->timermax, k + 1,
                                      sizeof *loop->timers);
  evix__start(loop, (ev_watcher *)w, k, func);
  heap = loop->timers;
  heap[k].at = w->at;
  heap[k].w = (ev_watcher_time *)w;
  evix__heap_up(heap, k);
}

void
ev_timer_start(struct ev_loop *loop, ev_timer *w) EV_NOEXCEPT
{
  if (EVIX_UNLIKELY(w->active))
    return;
  timer_start(loop, w, "ev_timer_start");
}

void
ev_timer_stop(struct ev_loop *loop, ev_timer *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  timer_stop(loop, w);
}

void
ev_timer_again(struct ev_loop *loop, ev_timer *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(w->repeat < 0.))
    evix__misuse("ev_timer_again", "negative repeat value %g", w->repeat);

  if (w->active) {
    if (w->repeat > 0.) {
      struct evix_heap_node *heap = loop->timers;
      ev_tstamp at = loop->mono + w->repeat;
      int k = w->active;
      w->at = at;
      heap[k].at = at;
      evix__heap_adjust(heap, EVIX_HEAP0 + loop->timercnt, k);
    } else {
      timer_stop(loop, w);
    }
  } else if (w->repeat > 0.) {
    w->at = w->repeat;
    timer_start(loop, w, "ev_timer_again");
  }
}

ev_tstamp
ev_timer_remaining(struct ev_loop *loop, ev_timer *w) EV_NOEXCEPT
{
  return w->active ? w->at - loop->mono : w->at;
}

void
evix__timers_reify(struct ev_loop *loop)
{
  struct evix_heap_node *heap = loop->timers;

  /* A timer is due only once its expiry lies strictly in the past, so it
   * never fires early even when the clock has coarse steps. */
  while (loop->timercnt && heap[EVIX_HEAP0].at < loop->mono) {
    ev_timer *w = (ev_timer *)heap[EVIX_HEAP0].w;

    if (w->repeat > 0.) {
      /* Re-arm from the old expiry to keep the period, but never into the
       * past: an overdue timer fires once per iteration, not in a burst. */
      w->at += w->repeat;
      if (w->at < loop->mono)
        w->at = loop->mono;
      heap[EVIX_HEAP0].at = w->at;
      evix__heap_down(heap, EVIX_HEAP0 + loop->timercnt, EVIX_HEAP0);
    } else {
      evix__clear_pending(loop, (ev_watcher *)w);
      timer_stop(loop, w);
    }
    EVIX_RESERVE(loop->rfeeds, loop->rfeedmax, loop->rfeedcnt + 1);
    loop->rfeeds[loop->rfeedcnt++] = (ev_watcher *)w;
    heap = loop->timers;
  }
  evix__feed_reverse_done(loop, EV_TIMER);
}

void
evix__timers_shift(struct ev_loop *loop, ev_tstamp delta)
{
  int k;
  /* Every expiry moves by the same amount: the heap order stays. */
  for (k = EVIX_HEAP0; k < EVIX_HEAP0 + loop->timercnt; ++k) {
    loop->timers[k].w->at += delta;
    loop->timers[k].at = loop->timers[k].w->at;
  }
}

void
evix__timers_free(struct ev_loop *loop)
{
  evix__free(loop->timers_mem);
  loop->timers_mem = NULL;
  loop->timers = NULL;
  loop->timercnt = loop->timermax = 0;
}
