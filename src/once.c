/* once.c - ev_once: one callback for the first of an fd event or a
 * timeout, without a watcher of the caller's.  The two helper watchers
 * live in a small record from the loop's allocator, freed before the
 * callback runs. */
#include "pending.h"

struct evix_once {
  ev_io io;
  ev_timer to;
  void (*cb)(int revents, void *arg);
  void *arg;
};

static void
once_fire(struct ev_loop *loop, struct evix_once *once, int revents)
{
  void (*cb)(int revents, void *arg) = once->cb;
  void *arg = once->arg;

  /* Whatever the other half had pending counts too. */
  revents |= ev_clear_pending(loop, &once->io);
  revents |= ev_clear_pending(loop, &once->to);
  ev_io_stop(loop, &once->io);
  ev_timer_stop(loop, &once->to);
  evix__free(once);
  cb(revents, arg);
}

static void
once_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  once_fire(loop, (struct evix_once *)w->data, revents);
}

static void
once_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  once_fire(loop, (struct evix_once *)w->data, revents);
}

void
ev_once(struct ev_loop *loop, int fd, int events, ev_tstamp timeout,
        void (*cb)(int revents, void *arg), void *arg) EV_NOEXCEPT
{
  struct evix_once *once = evix__realloc(NULL, (long)sizeof *once);

  if (EVIX_UNLIKELY(!cb))
    evix__misuse("ev_once", "callback is NULL");
  once->cb = cb;
  once->arg = arg;

  ev_init(&once->io, once_io_cb);
  once->io.data = once;
  if (fd >= 0) {
    ev_io_set(&once->io, fd, events);
    ev_io_start(loop, &once->io);
  }

  ev_init(&once->to, once_timer_cb);
  once->to.data = once;
  if (timeout >= 0.) {
    ev_timer_set(&once->to, timeout, 0.);
    ev_timer_start(loop, &once->to);
  }
}
