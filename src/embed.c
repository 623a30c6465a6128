/* embed.c - ev_embed: run one loop inside another.
 *
 * The embedded loop's backend must itself be pollable (an epoll fd can be
 * watched by another loop): ev_embeddable_backends().  While active, the
 * embed watcher keeps three helpers in the outer loop:
 *  - an io watcher on the embedded loop's backend fd, at the embed's
 *    priority: when it is readable, the embedded loop has events; without
 *    a callback they are handled at once (ev_embed_sweep), otherwise the
 *    embed watcher gets EV_EMBED and its callback should sweep;
 *  - a prepare watcher of the lowest priority that applies the embedded
 *    loop's pending fd changes, so its backend fd reflects them before the
 *    outer loop blocks;
 *  - a fork watcher that forwards ev_loop_fork to the embedded loop.
 * Together with the embed itself they hold four loop references.
 */
#include "backend.h"
#include "pending.h"

#define EMBED_OF(ptr, member) \
  ((ev_embed *)((char *)(ptr) - offsetof(ev_embed, member)))

void
ev_embed_sweep(struct ev_loop *loop, ev_embed *w) EV_NOEXCEPT
{
  (void)loop;
  ev_run(w->other, EVRUN_NOWAIT);
}

static void
embed_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
  ev_embed *w = EMBED_OF(io, io);

  (void)revents;
  if (w->cb)
    evix__feed(loop, (ev_watcher *)w, EV_EMBED);
  else
    ev_run(w->other, EVRUN_NOWAIT);
}

static void
embed_prepare_cb(struct ev_loop *loop, ev_prepare *prepare, int revents)
{
  ev_embed *w = EMBED_OF(prepare, prepare);
  struct ev_loop *other = w->other;

  (void)loop;
  (void)revents;
  while (other->fdchangecnt) {
    evix__fd_reify(other);
    ev_run(other, EVRUN_NOWAIT);
  }
#ifdef HAVE_BACKEND_IOURING
  /* io_uring queues re-arms after events and submits them with its next
   * wait; the outer loop would block before that wait comes. */
  if (other->backend == &evix__backend_iouring)
    evix__iouring_flush(other);
#endif
}

static void
embed_fork_cb(struct ev_loop *loop, ev_fork *fork_w, int revents)
{
  ev_embed *w = EMBED_OF(fork_w, fork);

  (void)revents;
  /* The embedded loop's backend fd changes: watch the new one. */
  ev_embed_stop(loop, w);
  ev_loop_fork(w->other);
  ev_run(w->other, EVRUN_NOWAIT);
  ev_embed_start(loop, w);
}

void
ev_embed_start(struct ev_loop *loop, ev_embed *w) EV_NOEXCEPT
{
  struct ev_loop *other = w->other;

  if (EVIX_UNLIKELY(w->active))
    return;
  if (EVIX_UNLIKELY(!other || other->backend_fd < 0 ||
                    !(ev_backend(other) & ev_embeddable_backends())))
    evix__misuse("ev_embed_start", "loop to be embedded is not embeddable "
                                   "(its backend must be in "
                                   "ev_embeddable_backends())");
  /* No callback is fine: the embedded loop is then swept automatically. */
  evix__start(loop, (ev_watcher *)w, 1, NULL);

  ev_io_init(&w->io, embed_io_cb, other->backend_fd, EV_READ);
  ev_set_priority(&w->io, ev_priority(w));
  ev_io_start(loop, &w->io);

  ev_prepare_init(&w->prepare, embed_prepare_cb);
  ev_set_priority(&w->prepare, EV_MINPRI);
  ev_prepare_start(loop, &w->prepare);

  ev_fork_init(&w->fork, embed_fork_cb);
  ev_fork_start(loop, &w->fork);
}

void
ev_embed_stop(struct ev_loop *loop, ev_embed *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  ev_io_stop(loop, &w->io);
  ev_prepare_stop(loop, &w->prepare);
  ev_fork_stop(loop, &w->fork);
  evix__stop(loop, (ev_watcher *)w);
}
