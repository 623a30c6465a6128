/* watcher.h - what starting and stopping means for every watcher type.
 * Inline: these run on every start and stop. */
#ifndef EVIX_WATCHER_H
#define EVIX_WATCHER_H

#include "evix-internal.h"

/* Marks w active at `slot`, clamps its priority, takes a loop reference.
 * `func` names the public call, for the misuse message about a missing
 * callback; NULL where a missing callback is allowed (ev_embed). */
static inline void
evix__start(struct ev_loop *loop, ev_watcher *w, int slot, const char *func)
{
  if (EVIX_UNLIKELY(!w->cb) && func)
    evix__misuse(func, "watcher has no callback (ev_init or ev_set_cb "
                       "was not called)");
  if (EVIX_UNLIKELY(w->priority < EV_MINPRI))
    w->priority = EV_MINPRI;
  else if (EVIX_UNLIKELY(w->priority > EV_MAXPRI))
    w->priority = EV_MAXPRI;
  w->active = slot;
  ++loop->activecnt;
}

static inline void
evix__stop(struct ev_loop *loop, ev_watcher *w)
{
  w->active = 0;
  --loop->activecnt;
}

/* Arrays of watchers whose `active` is 1 + their index. */
static inline void
evix__warray_add(struct ev_loop *loop, struct evix_warray *a, ev_watcher *w,
                 const char *func)
{
  EVIX_RESERVE(a->w, a->max, a->cnt + 1);
  a->w[a->cnt++] = w;
  evix__start(loop, w, a->cnt, func);
}

static inline void
evix__warray_del(struct ev_loop *loop, struct evix_warray *a, ev_watcher *w)
{
  int i = w->active - 1;

  /* Move the last watcher into the hole; its index changes with it. */
  a->w[i] = a->w[--a->cnt];
  a->w[i]->active = i + 1;
  evix__stop(loop, w);
}

static inline void
evix__warray_free(struct evix_warray *a)
{
  evix__free(a->w);
  a->w = NULL;
  a->cnt = a->max = 0;
}

#endif
