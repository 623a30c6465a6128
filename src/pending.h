/* pending.h - queueing a watcher's callback (the hot path of every event).
 *
 * Each priority has a LIFO queue of (watcher, events).  A watcher appears
 * at most once: feeding it again only ORs in more events.  ev_invoke_pending
 * drains the queues from the highest priority down and restarts higher up
 * when a callback feeds a watcher of higher priority.
 */
#ifndef EVIX_PENDING_H
#define EVIX_PENDING_H

#include "evix-internal.h"
#include "watcher.h"

static inline int
evix__abspri(const ev_watcher *w)
{
  int pri = w->priority;
  /* Started watchers are clamped already; fed, never-started ones may hold
   * any value, and must not index outside the queues. */
  if (EVIX_UNLIKELY(pri < EV_MINPRI))
    pri = EV_MINPRI;
  else if (EVIX_UNLIKELY(pri > EV_MAXPRI))
    pri = EV_MAXPRI;
  return pri - EV_MINPRI;
}

static inline void
evix__feed(struct ev_loop *loop, ev_watcher *w, int revents)
{
  int pri = evix__abspri(w);

  if (EVIX_UNLIKELY(w->pending)) {
    loop->pendings[pri][w->pending - 1].events |= revents;
  } else {
    int n = loop->pendingcnt[pri]++;
    EVIX_RESERVE(loop->pendings[pri], loop->pendingmax[pri], n + 1);
    loop->pendings[pri][n].w = w;
    loop->pendings[pri][n].events = revents;
    w->pending = n + 1;
  }
  if (pri > loop->pendingpri)
    loop->pendingpri = pri;
}

/* Removes w's queue entry, if it has one, without invoking it. */
static inline void
evix__clear_pending(struct ev_loop *loop, ev_watcher *w)
{
  if (w->pending) {
    loop->pendings[evix__abspri(w)][w->pending - 1].w =
        (ev_watcher *)&loop->pending_w;
    w->pending = 0;
  }
}

#endif
