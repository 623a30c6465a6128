/* backend_kqueue.c - BSD and macOS kqueue.
 *
 * kqueue registers (fd, filter) pairs; readability and writability are two
 * separate filters.  Things to know:
 *  a) Changes go into a changelist that is handed to the same kevent()
 *     call that waits, so registering costs no extra system call.
 *  b) A change that fails comes back as an EV_ERROR event carrying the
 *     errno, and kevent() then returns without waiting.  Deleting a filter
 *     the kernel already dropped (the fd was closed, which removes its
 *     registrations) fails harmlessly with ENOENT or EBADF; adding one for
 *     a descriptor that is not open means the watchers get EV_ERROR.
 *  c) Re-adding an existing (fd, filter) is allowed and simply updates it,
 *     which is what a possibly new file under an old number needs.
 *  d) A kqueue is not inherited by fork(): the child makes a new one and
 *     registers every fd again.  The old descriptor is not closed: some
 *     kernels close it themselves, and its number may then already name
 *     another file of the program.
 *  e) The timeout has nanosecond resolution.
 */
#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/event.h>
#include <unistd.h>

struct kqueue_state {
  struct kevent *changes; /* waiting for the next kevent() */
  int nchanges;
  int maxchanges;
  struct kevent *events;  /* what the last kevent() returned; never
                           * smaller than the changelist, so that every
                           * failed change can be reported (b) */
  int maxevents;
  pid_t pid;              /* process that made the kqueue */
};

static int
kqueue_open(void)
{
  int fd = kqueue();
  if (fd >= 0)
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

static int
kqueue_init(struct ev_loop *loop)
{
  struct kqueue_state *st;
  int fd = kqueue_open();

  if (fd < 0)
    return -1;
  st = evix__realloc(NULL, (long)sizeof *st);
  memset(st, 0, sizeof *st);
  st->maxevents = 64;
  st->events = evix__realloc(NULL, (long)sizeof *st->events * st->maxevents);
  st->pid = getpid();
  loop->backend_state = st;
  loop->backend_fd = fd;
  return 0;
}

static void
kqueue_destroy(struct ev_loop *loop)
{
  struct kqueue_state *st = loop->backend_state;

  close(loop->backend_fd);
  loop->backend_fd = -1;
  evix__free(st->changes);
  evix__free(st->events);
  evix__free(st);
  loop->backend_state = NULL;
}

static void
kqueue_reinit(struct ev_loop *loop)
{
  struct kqueue_state *st = loop->backend_state;
  int fd;

  while ((fd = kqueue_open()) < 0)
    evix__syserr("(libev) kqueue");
  /* (d): after a fork the inherited descriptor is left alone; a kqueue of
   * this process that went bad is ours to close. */
  if (st->pid == getpid())
    close(loop->backend_fd);
  st->pid = getpid();
  loop->backend_fd = fd;
  st->nchanges = 0;
}

static void
queue_change(struct ev_loop *loop, int fd, short filter, unsigned short flags)
{
  struct kqueue_state *st = loop->backend_state;

  EVIX_RESERVE(st->changes, st->maxchanges, st->nchanges + 1);
  if (st->nchanges + 1 > st->maxevents) {
    evix__free(st->events);
    st->maxevents = st->maxchanges;
    st->events = evix__realloc(NULL, (long)sizeof *st->events * st->maxevents);
  }
  /* udata carries the generation, like epoll's data, so events of an
   * older registration of the fd can be told apart. */
  EV_SET(&st->changes[st->nchanges], (uintptr_t)fd, filter, flags, 0, 0,
         (void *)(uintptr_t)loop->fds[fd].egen);
  ++st->nchanges;
}

static void
kqueue_modify(struct ev_loop *loop, int fd, int oev, int nev)
{
  /* Filters no longer wanted go; (c) an unchanged mask is added again,
   * because the number may now name a different file. */
  if (oev != nev) {
    if ((oev & EV_READ) && !(nev & EV_READ))
      queue_change(loop, fd, EVFILT_READ, EV_DELETE);
    if ((oev & EV_WRITE) && !(nev & EV_WRITE))
      queue_change(loop, fd, EVFILT_WRITE, EV_DELETE);
  }
  if (nev) {
    ++loop->fds[fd].egen;
    if (nev & EV_READ)
      queue_change(loop, fd, EVFILT_READ, EV_ADD | EV_ENABLE);
    if (nev & EV_WRITE)
      queue_change(loop, fd, EVFILT_WRITE, EV_ADD | EV_ENABLE);
  }
}

static int
kqueue_wait(struct ev_loop *loop, ev_tstamp timeout)
{
  struct kqueue_state *st = loop->backend_state;
  struct timespec ts;
  int n;

  evix__timeout_ts(timeout, &ts);
  n = kevent(loop->backend_fd, st->changes, st->nchanges, st->events,
             st->maxevents, &ts);
  /* Failed changes come back as events (b), so the kernel has taken the
   * changelist unless the call failed as a whole. */
  if (n >= 0 || errno == EINTR)
    st->nchanges = 0;
  return n;
}

static void
kqueue_collect(struct ev_loop *loop, int n)
{
  struct kqueue_state *st = loop->backend_state;
  int i;

  if (EVIX_UNLIKELY(n < 0)) {
    /* Bad watched fds are reported per change (b); EBADF here means the
     * kqueue itself is gone: make a new one and register everything. */
    if (errno == EBADF)
      loop->backend_rebuild = 1;
    else if (errno != EINTR)
      evix__syserr("(libev) kqueue kevent");
    return;
  }

  for (i = 0; i < n; ++i) {
    const struct kevent *e = &st->events[i];
    int fd = (int)e->ident;

    if (EVIX_UNLIKELY(fd < 0 || fd >= loop->fdmax))
      continue;
    if (EVIX_UNLIKELY(e->flags & EV_ERROR)) {
      /* (b): a change failed.  Only a failed add for an fd that still
       * has watchers matters; a failed delete means it was gone already. */
      if ((int)e->data == ENOENT || !loop->fds[fd].events)
        continue;
      evix__fd_kill(loop, fd);
      continue;
    }
    if (EVIX_UNLIKELY((unsigned int)(uintptr_t)e->udata !=
                      loop->fds[fd].egen))
      continue; /* an event of an older registration */
    evix__fd_event(loop, fd, e->filter == EVFILT_READ ? EV_READ : EV_WRITE);
  }

  /* The buffer was full: there may be more next time, make room. */
  if (EVIX_UNLIKELY(n == st->maxevents)) {
    evix__free(st->events);
    st->maxevents *= 2;
    st->events = evix__realloc(NULL, (long)sizeof *st->events * st->maxevents);
  }
}

const struct evix_backend evix__backend_kqueue = {
  "kqueue",
  EVBACKEND_KQUEUE,
  1e-9,
  kqueue_init,
  kqueue_destroy,
  kqueue_reinit,
  kqueue_modify,
  kqueue_wait,
  kqueue_collect,
};
