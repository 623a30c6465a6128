/* idle.c - ev_idle: run when the loop has nothing better to do.
 *
 * Idle watchers use a lock-out model: in one iteration only the idle
 * watchers of a single priority are queued, those of the highest priority
 * that has any, and only if no event of that or a higher priority is
 * pending.  While any idle watcher is active the loop does not block.
 */
#include "pending.h"

void
ev_idle_start(struct ev_loop *loop, ev_idle *w) EV_NOEXCEPT
{
  if (EVIX_UNLIKELY(w->active))
    return;
  /* Clamp first: the watcher goes into its priority's array. */
  if (w->priority < EV_MINPRI)
    w->priority = EV_MINPRI;
  else if (w->priority > EV_MAXPRI)
    w->priority = EV_MAXPRI;
  evix__warray_add(loop, &loop->idles[w->priority - EV_MINPRI],
                   (ev_watcher *)w, "ev_idle_start");
  ++loop->idleall;
}

void
ev_idle_stop(struct ev_loop *loop, ev_idle *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  evix__warray_del(loop, &loop->idles[w->priority - EV_MINPRI],
                   (ev_watcher *)w);
  --loop->idleall;
}

void
evix__idle_reify(struct ev_loop *loop)
{
  int pri;

  if (EVIX_LIKELY(!loop->idleall))
    return;
  for (pri = EVIX_NUMPRI; pri--;) {
    /* Prepare/check/idle watchers are never pending at this point, so a
     * nonzero count means real events. */
    if (loop->pendingcnt[pri])
      break;
    if (loop->idles[pri].cnt) {
      evix__queue_events(loop, loop->idles[pri].w, loop->idles[pri].cnt,
                         EV_IDLE);
      break;
    }
  }
}

void
evix__idle_free(struct ev_loop *loop)
{
  int pri;
  for (pri = 0; pri < EVIX_NUMPRI; ++pri)
    evix__warray_free(&loop->idles[pri]);
  loop->idleall = 0;
}
