/* backend_epoll.c - Linux epoll.
 *
 * epoll registers open file descriptions, not fd numbers, which leads to
 * the special cases handled here:
 *  a) close() silently removes a registration, but only when no other fd
 *     (a dup, a forked child's copy) refers to the same file description.
 *     Otherwise the old registration stays and reports events under the
 *     old number forever, and it can no longer be removed by number.  Each
 *     registration therefore carries a generation count in the event's
 *     data; an event from an older generation means such a stale entry, and
 *     the only cure is a new epoll set (the loop rebuilds it).
 *  b) Re-registering an fd whose number was reused is ADD for a new file
 *     but MOD for the same one; we cannot tell which, so we try one and
 *     fall back to the other.
 *  c) Regular files (and some other kinds) are refused with EPERM.  They
 *     are always ready, so they are kept on a side list and reported as
 *     ready on every iteration, without blocking.
 *  d) Removing interest costs a system call, and a watcher stopped now is
 *     often started again soon.  So interest is only narrowed lazily, when
 *     the kernel reports an event nobody wants any more.
 *  e) The registration does not survive fork() sensibly: the child shares
 *     the parent's epoll set, so it gets a new one (reinit).
 *  f) epoll_wait takes milliseconds, so a timer due in 0.2 ms would wait
 *     a whole one.  Short waits (EVIX_FINE_WAIT_BELOW) go through
 *     epoll_pwait2 (Linux 5.11), which takes a timespec; elsewhere, or
 *     when a sandbox refuses the call, waits are rounded up to
 *     milliseconds, never down.
 */
#include "backend.h"

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(HAVE_EPOLL_PWAIT2) || defined(SYS_epoll_pwait2)
#define EVIX_PWAIT2 1
/* Set once epoll_pwait2 failed with ENOSYS (a kernel before 5.11) or
 * EPERM (a seccomp filter; the call itself never fails so): this process
 * then uses epoll_wait.  Every thread finds the same answer, so relaxed
 * accesses suffice. */
static int pwait2_missing;

static int
pwait2(int epfd, struct epoll_event *events, int max, ev_tstamp timeout)
{
  struct timespec ts;

  evix__timeout_ts(timeout, &ts);
#ifdef HAVE_EPOLL_PWAIT2
  return epoll_pwait2(epfd, events, max, &ts, NULL);
#else
  {
    /* The kernel's timespec has 64-bit fields on every architecture. */
    struct {
      int64_t tv_sec;
      long long tv_nsec;
    } kts = { (int64_t)ts.tv_sec, (long long)ts.tv_nsec };
    return (int)syscall(SYS_epoll_pwait2, epfd, events, max, &kts, NULL,
                        (size_t)0);
  }
#endif
}
#endif

struct epoll_state {
  struct epoll_event *events;
  int eventmax;
  int *eperms; /* fds refused with EPERM that have watchers */
  int epermcnt;
  int epermmax;
};

static int
epoll_create_fd(void)
{
  return epoll_create1(EPOLL_CLOEXEC);
}

static int
epoll_init(struct ev_loop *loop)
{
  struct epoll_state *st;
  int fd = epoll_create_fd();

  if (fd < 0)
    return -1;
  st = evix__realloc(NULL, (long)sizeof *st);
  st->eventmax = 64;
  st->events = evix__realloc(NULL, (long)sizeof *st->events * st->eventmax);
  st->eperms = NULL;
  st->epermcnt = st->epermmax = 0;
  loop->backend_state = st;
  loop->backend_fd = fd;
  return 0;
}

static void
epoll_destroy(struct ev_loop *loop)
{
  struct epoll_state *st = loop->backend_state;

  close(loop->backend_fd);
  loop->backend_fd = -1;
  evix__free(st->events);
  evix__free(st->eperms);
  evix__free(st);
  loop->backend_state = NULL;
}

static void
epoll_reinit(struct ev_loop *loop)
{
  struct epoll_state *st = loop->backend_state;
  int fd;

  while ((fd = epoll_create_fd()) < 0)
    evix__syserr("(libev) epoll_create");
  close(loop->backend_fd);
  loop->backend_fd = fd;
  st->epermcnt = 0;
}

static void
eperm_add(struct ev_loop *loop, struct epoll_state *st, int fd)
{
  EVIX_RESERVE(st->eperms, st->epermmax, st->epermcnt + 1);
  st->eperms[st->epermcnt++] = fd;
  loop->fds[fd].eperm = 1;
}

static void
eperm_del(struct ev_loop *loop, struct epoll_state *st, int fd)
{
  int i;
  for (i = 0; i < st->epermcnt; ++i)
    if (st->eperms[i] == fd) {
      st->eperms[i] = st->eperms[--st->epermcnt];
      break;
    }
  loop->fds[fd].eperm = 0;
}

static uint32_t
epoll_mask(int ev)
{
  return (ev & EV_READ ? EPOLLIN : 0u) | (ev & EV_WRITE ? EPOLLOUT : 0u);
}

static void
epoll_modify(struct ev_loop *loop, int fd, int oev, int nev)
{
  struct epoll_state *st = loop->backend_state;
  struct evix_fd *f = &loop->fds[fd];
  struct epoll_event ev;

  (void)oev;
  /* Lazy removal (d): keep the old interest until an unwanted event. */
  if (!nev)
    return;
  /* The fd may name a different file now: find out afresh (c). */
  if (f->eperm)
    eperm_del(loop, st, fd);

  /* Every registration gets a new generation, so that events from a
   * registration we could not update are recognised as stale (a). */
  ev.events = epoll_mask(nev);
  ev.data.u64 = (uint64_t)(uint32_t)fd | ((uint64_t)++f->egen << 32);

  if (EVIX_LIKELY(!epoll_ctl(loop->backend_fd,
                             f->emask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd,
                             &ev))) {
    f->emask = (unsigned char)nev;
    return;
  }

  /* (b): the number names a new file (ENOENT), or one we thought was not
   * registered any more (EEXIST). */
  if ((errno == ENOENT &&
       !epoll_ctl(loop->backend_fd, EPOLL_CTL_ADD, fd, &ev)) ||
      (errno == EEXIST &&
       !epoll_ctl(loop->backend_fd, EPOLL_CTL_MOD, fd, &ev))) {
    f->emask = (unsigned char)nev;
    return;
  }
  f->emask = 0;
  if (errno == EPERM) {
    eperm_add(loop, st, fd);
    return;
  }
  /* EBADF, EINVAL (not pollable), ELOOP: the fd cannot be watched. */
  evix__fd_kill(loop, fd);
}

static int
epoll_wait_backend(struct ev_loop *loop, ev_tstamp timeout)
{
  struct epoll_state *st = loop->backend_state;

  /* Always-ready files must not wait behind a long timeout. */
  if (st->epermcnt)
    timeout = 0.;
#ifdef EVIX_PWAIT2
  if (timeout > 0. && timeout < EVIX_FINE_WAIT_BELOW &&
      !__atomic_load_n(&pwait2_missing, __ATOMIC_RELAXED)) {
    int n = pwait2(loop->backend_fd, st->events, st->eventmax, timeout);
    if (EVIX_LIKELY(n >= 0 || (errno != ENOSYS && errno != EPERM)))
      return n;
    __atomic_store_n(&pwait2_missing, 1, __ATOMIC_RELAXED);
  }
#endif
  return epoll_wait(loop->backend_fd, st->events, st->eventmax,
                    evix__timeout_ms(timeout));
}

static void
epoll_collect(struct ev_loop *loop, int n)
{
  struct epoll_state *st = loop->backend_state;
  int i;

  if (EVIX_UNLIKELY(n < 0)) {
    if (errno != EINTR)
      evix__syserr("(libev) epoll_wait");
    return;
  }

  for (i = 0; i < n; ++i) {
    struct epoll_event *e = &st->events[i];
    int fd = (int)(uint32_t)e->data.u64;
    struct evix_fd *f;
    int want, got;

    if (EVIX_UNLIKELY(fd >= loop->fdmax))
      continue;
    f = &loop->fds[fd];
    if (EVIX_UNLIKELY((uint32_t)(e->data.u64 >> 32) != f->egen)) {
      /* A stale registration (a): only a new epoll set gets rid of it. */
      loop->backend_rebuild = 1;
      continue;
    }

    want = f->events;
    got = (e->events & (EPOLLOUT | EPOLLERR | EPOLLHUP) ? EV_WRITE : 0) |
          (e->events & (EPOLLIN | EPOLLERR | EPOLLHUP) ? EV_READ : 0);

    if (EVIX_UNLIKELY(got & ~want)) {
      /* Interest was narrowed lazily (d); tell the kernel now.  If the
       * number no longer names the registered file, the entry is stale
       * (a) and only a rebuild removes it. */
      struct epoll_event ev;
      f->emask = (unsigned char)want;
      ev.events = epoll_mask(want);
      ev.data.u64 = e->data.u64;
      if (epoll_ctl(loop->backend_fd, want ? EPOLL_CTL_MOD : EPOLL_CTL_DEL,
                    fd, &ev) < 0) {
        loop->backend_rebuild = 1;
        continue;
      }
    }
    evix__fd_event(loop, fd, got);
  }

  /* The buffer was full: there may be more next time, make room. */
  if (EVIX_UNLIKELY(n == st->eventmax)) {
    evix__free(st->events);
    st->eventmax *= 2;
    st->events = evix__realloc(NULL, (long)sizeof *st->events * st->eventmax);
  }

  /* Files refused by epoll are always ready (c). */
  for (i = st->epermcnt; i--;) {
    int fd = st->eperms[i];
    int ev = loop->fds[fd].events;

    if (ev)
      evix__fd_event(loop, fd, ev);
    else
      eperm_del(loop, st, fd);
  }
}

const struct evix_backend evix__backend_epoll = {
  "epoll",
  EVBACKEND_EPOLL,
  1e-6, /* epoll_pwait2; epoll_wait rounds up to 1 ms by itself */
  epoll_init,
  epoll_destroy,
  epoll_reinit,
  epoll_modify,
  epoll_wait_backend,
  epoll_collect,
};
