/* async.c - ev_async: wake a loop from another thread or a signal handler.
 *
 * ev_async_send is the one call that is safe outside the loop's thread.
 * It costs one atomic exchange when a send is already outstanding, and a
 * system call only when the loop may be blocking (see wakeup.c).  The
 * exchange is a full barrier, so whatever the sender wrote before the send
 * is visible to the callback.
 */
#include "pending.h"

void
ev_async_start(struct ev_loop *loop, ev_async *w) EV_NOEXCEPT
{
  if (EVIX_UNLIKELY(w->active))
    return;
  w->sent = 0;
  evix__evpipe_init(loop);
  evix__warray_add(loop, &loop->asyncs, (ev_watcher *)w, "ev_async_start");
}

void
ev_async_stop(struct ev_loop *loop, ev_async *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  evix__warray_del(loop, &loop->asyncs, (ev_watcher *)w);
}

void
ev_async_send(struct ev_loop *loop, ev_async *w) EV_NOEXCEPT
{
  if (__atomic_exchange_n((int *)&w->sent, 1, __ATOMIC_SEQ_CST))
    return;
  evix__wakeup(loop, &loop->async_pending);
}

void
evix__asyncs_deliver(struct ev_loop *loop)
{
  int i;
  for (i = loop->asyncs.cnt; i--;) {
    ev_async *w = (ev_async *)loop->asyncs.w[i];
    if (__atomic_exchange_n((int *)&w->sent, 0, __ATOMIC_SEQ_CST))
      evix__feed(loop, (ev_watcher *)w, EV_ASYNC);
  }
}

void
evix__async_free(struct ev_loop *loop)
{
  evix__warray_free(&loop->asyncs);
}
