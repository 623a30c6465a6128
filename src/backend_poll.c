/* backend_poll.c - POSIX poll(2).
 *
 * The pollfd array is kept dense: pollidx[fd] is the fd's slot (or -1),
 * and removing an fd moves the last slot into the hole.  poll() marks a
 * descriptor that is not open with POLLNVAL; its watchers then get
 * EV_ERROR.  Waits are in milliseconds, rounded up.
 */
#include "backend.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

struct poll_state {
  struct pollfd *polls;
  int pollcnt;
  int pollmax;
  int *pollidx; /* fd -> slot in polls, or -1 */
  int pollidxmax;
};

static int
poll_init(struct ev_loop *loop)
{
  struct poll_state *st = evix__realloc(NULL, (long)sizeof *st);
  memset(st, 0, sizeof *st);
  loop->backend_state = st;
  return 0;
}

static void
poll_destroy(struct ev_loop *loop)
{
  struct poll_state *st = loop->backend_state;
  evix__free(st->polls);
  evix__free(st->pollidx);
  evix__free(st);
  loop->backend_state = NULL;
}

static void
poll_modify(struct ev_loop *loop, int fd, int oev, int nev)
{
  struct poll_state *st = loop->backend_state;
  int idx;

  (void)oev;
  if (fd >= st->pollidxmax) {
    int old = st->pollidxmax;
    st->pollidx = evix__grow(st->pollidx, &st->pollidxmax, fd + 1,
                             sizeof *st->pollidx, 0);
    memset(st->pollidx + old, 0xff, sizeof *st->pollidx * (st->pollidxmax - old));
  }
  idx = st->pollidx[fd];

  if (nev) {
    if (idx < 0) {
      idx = st->pollcnt++;
      EVIX_RESERVE(st->polls, st->pollmax, st->pollcnt);
      st->pollidx[fd] = idx;
      st->polls[idx].fd = fd;
    }
    st->polls[idx].events = (short)((nev & EV_READ ? POLLIN : 0) |
                                    (nev & EV_WRITE ? POLLOUT : 0));
  } else if (idx >= 0) {
    st->pollidx[fd] = -1;
    if (idx < --st->pollcnt) {
      st->polls[idx] = st->polls[st->pollcnt];
      st->pollidx[st->polls[idx].fd] = idx;
    }
  }
}

static int
poll_wait(struct ev_loop *loop, ev_tstamp timeout)
{
  struct poll_state *st = loop->backend_state;
#ifdef HAVE_PPOLL
  /* ppoll takes a timespec: short waits are not rounded up to a
   * millisecond (see EVIX_FINE_WAIT_BELOW). */
  if (timeout > 0. && timeout < EVIX_FINE_WAIT_BELOW) {
    struct timespec ts;

    evix__timeout_ts(timeout, &ts);
    return ppoll(st->polls, (nfds_t)st->pollcnt, &ts, NULL);
  }
#endif
  return poll(st->polls, (nfds_t)st->pollcnt, evix__timeout_ms(timeout));
}

static void
poll_collect(struct ev_loop *loop, int n)
{
  struct poll_state *st = loop->backend_state;
  int i;

  if (EVIX_UNLIKELY(n < 0)) {
    if (errno == EBADF)
      evix__fd_ebadf(loop);
    else if (errno == ENOMEM)
      evix__fd_enomem(loop);
    else if (errno != EINTR)
      evix__syserr("(libev) poll");
    return;
  }

  for (i = 0; n > 0 && i < st->pollcnt; ++i) {
    struct pollfd *p = &st->polls[i];
    int fd;

    if (!p->revents)
      continue;
    --n;
    fd = p->fd;
    if (EVIX_UNLIKELY(p->revents & POLLNVAL)) {
      /* Not open: its slot goes away with the next fd_reify. */
      evix__fd_kill(loop, fd);
      continue;
    }
    evix__fd_event(loop, fd,
                   (p->revents & (POLLOUT | POLLERR | POLLHUP) ? EV_WRITE : 0) |
                   (p->revents & (POLLIN | POLLERR | POLLHUP) ? EV_READ : 0));
  }
}

const struct evix_backend evix__backend_poll = {
  "poll",
  EVBACKEND_POLL,
  1e-6, /* ppoll; plain poll rounds up to 1 ms by itself */
  poll_init,
  poll_destroy,
  NULL,
  poll_modify,
  poll_wait,
  poll_collect,
};
