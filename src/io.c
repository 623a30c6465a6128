/* io.c - ev_io and the per-fd table.
 *
 * fds[fd] lists the io watchers on fd.  Starting or stopping a watcher
 * only queues the fd on the change list; fd_reify applies all changes in
 * one batch just before the loop waits, so a watcher that is stopped and
 * started again within an iteration costs no system call.
 *
 * The EV__IOFDSET bit, set by ev_io_set, tells that the caller (re)assigned
 * the fd: it may be a new file under an old number, so the backend must
 * register it again even if the event mask did not change.
 */
#include "backend.h"
#include "pending.h"

#include <errno.h>
#include <fcntl.h>

static inline void
fd_change(struct ev_loop *loop, int fd, int flags)
{
  unsigned char old = loop->fds[fd].reify;

  loop->fds[fd].reify = (unsigned char)(old | flags);
  if (EVIX_LIKELY(!old)) {
    EVIX_RESERVE(loop->fdchanges, loop->fdchangemax, loop->fdchangecnt + 1);
    loop->fdchanges[loop->fdchangecnt++] = fd;
  }
}

void
ev_io_start(struct ev_loop *loop, ev_io *w) EV_NOEXCEPT
{
  int fd = w->fd;

  if (EVIX_UNLIKELY(w->active))
    return;
  if (EVIX_UNLIKELY(fd < 0))
    evix__misuse("ev_io_start", "negative fd %d", fd);
  if (EVIX_UNLIKELY(w->events & ~(EV__IOFDSET | EV_READ | EV_WRITE)))
    evix__misuse("ev_io_start",
                 "illegal event mask %#x (only EV_READ and EV_WRITE)",
                 (unsigned)w->events & ~EV__IOFDSET);

  evix__start(loop, (ev_watcher *)w, 1, "ev_io_start");
  if (EVIX_UNLIKELY(fd >= loop->fdmax))
    loop->fds = evix__grow(loop->fds, &loop->fdmax, fd + 1,
                           sizeof *loop->fds, 1);
  w->next = loop->fds[fd].head;
  loop->fds[fd].head = (ev_watcher_list *)w;

  fd_change(loop, fd, EVIX_FD_CHANGED | (w->events & EV__IOFDSET));
  w->events &= ~EV__IOFDSET;
}

void
ev_io_stop(struct ev_loop *loop, ev_io *w) EV_NOEXCEPT
{
  ev_watcher_list **pp;
  int fd = w->fd;

  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  if (EVIX_UNLIKELY(fd < 0 || fd >= loop->fdmax))
    evix__misuse("ev_io_stop",
                 "fd %d is not the fd the watcher was started with "
                 "(it must not change while the watcher is active)", fd);

  for (pp = &loop->fds[fd].head; *pp != (ev_watcher_list *)w;
       pp = &(*pp)->next)
    if (EVIX_UNLIKELY(!*pp))
      evix__misuse("ev_io_stop", "watcher is not on fd %d's list (its fd "
                                 "changed while it was active?)", fd);
  *pp = w->next;
  evix__stop(loop, (ev_watcher *)w);
  fd_change(loop, fd, EVIX_FD_CHANGED);
}

void
evix__fd_reify(struct ev_loop *loop)
{
  int i;

  /* The count is re-read: a backend that kills an fd stops its watchers,
   * which may queue that fd again; it is then handled in this same pass. */
  for (i = 0; i < loop->fdchangecnt; ++i) {
    int fd = loop->fdchanges[i];
    struct evix_fd *f = &loop->fds[fd];
    unsigned char oev = f->events;
    unsigned char reify = f->reify;
    unsigned char nev = 0;
    ev_watcher_list *w;

    for (w = f->head; w; w = w->next)
      nev |= (unsigned char)((ev_io *)w)->events;
    nev &= EV_READ | EV_WRITE;

    f->reify = 0;
    f->events = nev;
    if (oev != nev || (reify & EV__IOFDSET))
      loop->backend->modify(loop, fd, oev, nev);
  }
  loop->fdchangecnt = 0;
}

void
evix__fd_event(struct ev_loop *loop, int fd, int revents)
{
  struct evix_fd *f = &loop->fds[fd];
  ev_watcher_list *w;

  if (EVIX_UNLIKELY(f->reify))
    return;
  for (w = f->head; w; w = w->next) {
    int ev = ((ev_io *)w)->events & revents;
    if (ev)
      evix__feed(loop, (ev_watcher *)w, ev);
  }
}

void
ev_feed_fd_event(struct ev_loop *loop, int fd, int revents) EV_NOEXCEPT
{
  ev_watcher_list *w;

  if (fd < 0 || fd >= loop->fdmax)
    return;
  for (w = loop->fds[fd].head; w; w = w->next) {
    int ev = ((ev_io *)w)->events & revents;
    if (ev)
      evix__feed(loop, (ev_watcher *)w, ev);
  }
}

void
evix__fd_kill(struct ev_loop *loop, int fd)
{
  ev_io *w;

  while ((w = (ev_io *)loop->fds[fd].head)) {
    ev_io_stop(loop, w);
    evix__feed(loop, (ev_watcher *)w, EV_ERROR | EV_READ | EV_WRITE);
  }
}

void
evix__fd_ebadf(struct ev_loop *loop)
{
  int fd;
  for (fd = 0; fd < loop->fdmax; ++fd)
    if (loop->fds[fd].events && fcntl(fd, F_GETFD) < 0 && errno == EBADF)
      evix__fd_kill(loop, fd);
}

void
evix__fd_enomem(struct ev_loop *loop)
{
  int fd;
  for (fd = loop->fdmax; fd--;)
    if (loop->fds[fd].events) {
      evix__fd_kill(loop, fd);
      break;
    }
}

void
evix__fd_rearm_all(struct ev_loop *loop)
{
  int fd;
  for (fd = 0; fd < loop->fdmax; ++fd) {
    struct evix_fd *f = &loop->fds[fd];
    f->emask = 0;
    f->eperm = 0;
    f->events = 0;
    if (f->head) {
      /* The kernel knows nothing now: register from scratch. */
      fd_change(loop, fd, EVIX_FD_CHANGED | EV__IOFDSET);
    }
  }
}

void
evix__fd_free(struct ev_loop *loop)
{
  evix__free(loop->fds);
  evix__free(loop->fdchanges);
  loop->fds = NULL;
  loop->fdchanges = NULL;
  loop->fdmax = loop->fdchangecnt = loop->fdchangemax = 0;
}
