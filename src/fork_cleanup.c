/* fork_cleanup.c - ev_fork (the loop now runs in a forked child) and
 * ev_cleanup (the loop is being destroyed).
 *
 * Fork watchers are queued at the start of the first iteration after
 * ev_loop_fork (or after EVFLAG_FORKCHECK noticed a new pid), before the
 * prepare watchers.  Cleanup watchers run from ev_loop_destroy and hold no
 * loop reference: they never keep ev_run going.
 */
#include "pending.h"

void
ev_fork_start(struct ev_loop *loop, ev_fork *w) EV_NOEXCEPT
{
  if (EVIX_UNLIKELY(w->active))
    return;
  evix__warray_add(loop, &loop->forks, (ev_watcher *)w, "ev_fork_start");
}

void
ev_fork_stop(struct ev_loop *loop, ev_fork *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  evix__warray_del(loop, &loop->forks, (ev_watcher *)w);
}

void
ev_cleanup_start(struct ev_loop *loop, ev_cleanup *w) EV_NOEXCEPT
{
  if (EVIX_UNLIKELY(w->active))
    return;
  evix__warray_add(loop, &loop->cleanups, (ev_watcher *)w,
                   "ev_cleanup_start");
  ev_unref(loop);
}

void
ev_cleanup_stop(struct ev_loop *loop, ev_cleanup *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  ev_ref(loop);
  evix__warray_del(loop, &loop->cleanups, (ev_watcher *)w);
}

void
evix__fork_cleanup_free(struct ev_loop *loop)
{
  evix__warray_free(&loop->forks);
  evix__warray_free(&loop->cleanups);
}
