/* prepare_check.c - ev_prepare (before the loop blocks) and ev_check
 * (after it woke up, once the iteration's events are queued). */
#include "pending.h"

void
ev_prepare_start(struct ev_loop *loop, ev_prepare *w) EV_NOEXCEPT
{
  if (EVIX_UNLIKELY(w->active))
    return;
  evix__warray_add(loop, &loop->prepares, (ev_watcher *)w, "ev_prepare_start");
}

void
ev_prepare_stop(struct ev_loop *loop, ev_prepare *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  evix__warray_del(loop, &loop->prepares, (ev_watcher *)w);
}

void
ev_check_start(struct ev_loop *loop, ev_check *w) EV_NOEXCEPT
{
  if (EVIX_UNLIKELY(w->active))
    return;
  evix__warray_add(loop, &loop->checks, (ev_watcher *)w, "ev_check_start");
}

void
ev_check_stop(struct ev_loop *loop, ev_check *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  evix__warray_del(loop, &loop->checks, (ev_watcher *)w);
}

void
evix__prepare_check_free(struct ev_loop *loop)
{
  evix__warray_free(&loop->prepares);
  evix__warray_free(&loop->checks);
}
