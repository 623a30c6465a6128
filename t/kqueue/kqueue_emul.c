/* kqueue_emul.c - kqueue()/kevent() on top of poll(2), for tests only.
 *
 * See sys/event.h next to this file.  A kqueue is a small table of
 * registrations (ident, filter), each enabled or not, with its udata.
 * kevent() applies the changelist first - a failed change is reported as an
 * EV_ERROR event carrying the errno, and then kevent returns at once, as the
 * BSDs do - and otherwise polls the enabled registrations.
 *
 * Two kernel behaviours the backend depends on are imitated:
 *  - closing a descriptor removes its registrations: a registration whose
 *    descriptor now names a different file (checked with fstat when it
 *    would report an event) or no file (POLLNVAL) is dropped silently;
 *  - a kqueue is not inherited by fork(): in another process kevent()
 *    fails with EBADF.
 * The handle returned by kqueue() is a real descriptor (/dev/null), so it
 * can be closed and is close-on-exec.
 */
#define _GNU_SOURCE
#include <sys/event.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct knote {
  uintptr_t ident;
  short filter;
  int enabled;
  void *udata;
  dev_t dev; /* the file the descriptor named at EV_ADD */
  ino_t ino;
};

struct kq {
  int fd;
  pid_t pid;
  struct knote *notes;
  int nnotes;
  int maxnotes;
  struct pollfd *pfds;
  int maxpfds;
};

/* Handles by descriptor number; guarded for loops in several threads. */
static struct kq **kqs;
static int nkqs;
static pthread_mutex_t kqs_lock = PTHREAD_MUTEX_INITIALIZER;

static struct kq *
lookup(int fd)
{
  struct kq *k = NULL;

  pthread_mutex_lock(&kqs_lock);
  if (fd >= 0 && fd < nkqs)
    k = kqs[fd];
  pthread_mutex_unlock(&kqs_lock);
  return k;
}

static void
kq_free(struct kq *k)
{
  if (!k)
    return;
  free(k->notes);
  free(k->pfds);
  free(k);
}

int
kqueue(void)
{
  struct kq *k = calloc(1, sizeof *k);
  int fd;

  if (!k) {
    errno = ENOMEM;
    return -1;
  }
  fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    free(k);
    return -1;
  }
  k->fd = fd;
  k->pid = getpid();

  pthread_mutex_lock(&kqs_lock);
  if (fd >= nkqs) {
    int n = fd + 16;
    struct kq **grown = realloc(kqs, sizeof *kqs * (size_t)n);
    if (!grown) {
      pthread_mutex_unlock(&kqs_lock);
      close(fd);
      free(k);
      errno = ENOMEM;
      return -1;
    }
    memset(grown + nkqs, 0, sizeof *kqs * (size_t)(n - nkqs));
    kqs = grown;
    nkqs = n;
  }
  /* A handle closed earlier under this number is gone: forget it. */
  kq_free(kqs[fd]);
  kqs[fd] = k;
  pthread_mutex_unlock(&kqs_lock);
  return fd;
}

static struct knote *
find(struct kq *k, uintptr_t ident, short filter)
{
  int i;
  for (i = 0; i < k->nnotes; ++i)
    if (k->notes[i].ident == ident && k->notes[i].filter == filter)
      return &k->notes[i];
  return NULL;
}

static void
remove_note(struct kq *k, struct knote *n)
{
  *n = k->notes[--k->nnotes];
}

/* Applies one change; returns 0 or an errno. */
static int
apply(struct kq *k, const struct kevent *c)
{
  struct knote *n;
  struct stat st;

  if (c->filter != EVFILT_READ && c->filter != EVFILT_WRITE)
    return EINVAL;
  n = find(k, c->ident, c->filter);
  if (c->flags & EV_ADD) {
    if (fstat((int)c->ident, &st) < 0)
      return EBADF;
    if (!n) {
      if (k->nnotes == k->maxnotes) {
        int max = k->maxnotes ? k->maxnotes * 2 : 16;
        struct knote *grown = realloc(k->notes, sizeof *grown * (size_t)max);
        if (!grown)
          return ENOMEM;
        k->notes = grown;
        k->maxnotes = max;
      }
      n = &k->notes[k->nnotes++];
      n->ident = c->ident;
      n->filter = c->filter;
    }
    n->udata = c->udata;
    n->enabled = !(c->flags & EV_DISABLE);
    n->dev = st.st_dev;
    n->ino = st.st_ino;
    return 0;
  }
  if (!n)
    return ENOENT;
  if (c->flags & EV_DELETE)
    remove_note(k, n);
  else if (c->flags & EV_ENABLE)
    n->enabled = 1;
  else if (c->flags & EV_DISABLE)
    n->enabled = 0;
  return 0;
}

/* Still the file that was registered?  (kqueue forgets closed fds.) */
static int
same_file(const struct knote *n)
{
  struct stat st;
  return fstat((int)n->ident, &st) == 0 && st.st_dev == n->dev &&
         st.st_ino == n->ino;
}

int
kevent(int kq, const struct kevent *changelist, int nchanges,
       struct kevent *eventlist, int nevents, const struct timespec *timeout)
{
  struct kq *k = lookup(kq);
  int i, nout = 0, npfds = 0, r;

  if (!k || k->pid != getpid()) {
    errno = EBADF;
    return -1;
  }

  for (i = 0; i < nchanges; ++i) {
    int err = apply(k, &changelist[i]);
    if (!err)
      continue;
    if (nout >= nevents) {
      errno = err;
      return -1;
    }
    eventlist[nout] = changelist[i];
    eventlist[nout].flags = EV_ERROR;
    eventlist[nout].data = err;
    ++nout;
  }
  if (nout)
    return nout; /* errors are reported without waiting */

  /* One pollfd per descriptor with enabled registrations. */
  if (k->maxpfds < k->nnotes) {
    struct pollfd *grown =
        realloc(k->pfds, sizeof *grown * (size_t)(k->nnotes + 1));
    if (!grown) {
      errno = ENOMEM;
      return -1;
    }
    k->pfds = grown;
    k->maxpfds = k->nnotes + 1;
  }
  for (i = 0; i < k->nnotes; ++i) {
    const struct knote *n = &k->notes[i];
    short want = n->filter == EVFILT_READ ? POLLIN : POLLOUT;
    int j;

    if (!n->enabled)
      continue;
    for (j = 0; j < npfds; ++j)
      if (k->pfds[j].fd == (int)n->ident)
        break;
    if (j == npfds) {
      k->pfds[npfds].fd = (int)n->ident;
      k->pfds[npfds].events = 0;
      ++npfds;
    }
    k->pfds[j].events |= want;
  }

  /* ppoll keeps kevent's nanosecond timeout. */
  r = ppoll(k->pfds, (nfds_t)npfds, timeout, NULL);
  if (r <= 0)
    return r;

  for (i = 0; i < npfds && nout < nevents; ++i) {
    const struct pollfd *p = &k->pfds[i];
    int j;

    if (!p->revents)
      continue;
    for (j = 0; j < k->nnotes && nout < nevents; ++j) {
      struct knote *n = &k->notes[j];
      int ready;

      if ((int)n->ident != p->fd || !n->enabled)
        continue;
      if ((p->revents & POLLNVAL) || !same_file(n)) {
        /* Closed since: the kernel would have dropped it. */
        remove_note(k, n);
        --j;
        continue;
      }
      ready = n->filter == EVFILT_READ
                  ? (p->revents & (POLLIN | POLLHUP | POLLERR)) != 0
                  : (p->revents & (POLLOUT | POLLHUP | POLLERR)) != 0;
      if (!ready)
        continue;
      eventlist[nout].ident = n->ident;
      eventlist[nout].filter = n->filter;
      eventlist[nout].flags = (p->revents & POLLHUP) ? EV_EOF : 0;
      eventlist[nout].fflags = 0;
      eventlist[nout].data = 0;
      eventlist[nout].udata = n->udata;
      ++nout;
    }
  }
  return nout;
}
