/* sys/event.h - the kqueue interface, emulated for evix's tests on Linux.
 *
 * Linux has no kqueue.  So that evix's kqueue backend (src/backend_kqueue.c)
 * is built and run by the test suite here, a test build (configure
 * --enable-kqueue-emulation) compiles it against this header and links
 * t/kqueue/kqueue_emul.c, which implements the two calls the backend uses on
 * top of poll(2).  This is a test double, never a shipped backend: only the
 * parts the backend relies on are emulated (EVFILT_READ/EVFILT_WRITE,
 * EV_ADD/EV_DELETE/EV_ENABLE/EV_DISABLE, EV_ERROR reporting for changes,
 * timeouts, and the kqueue not surviving fork()).  The values follow
 * FreeBSD's header.
 */
#ifndef EVIX_KQUEUE_EMUL_EVENT_H
#define EVIX_KQUEUE_EMUL_EVENT_H

#include <stdint.h>
#include <time.h>

#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)

#define EV_ADD 0x0001
#define EV_DELETE 0x0002
#define EV_ENABLE 0x0004
#define EV_DISABLE 0x0008
#define EV_ONESHOT 0x0010
#define EV_CLEAR 0x0020
#define EV_RECEIPT 0x0040
#define EV_EOF 0x8000
#define EV_ERROR 0x4000

struct kevent {
  uintptr_t ident;  /* the file descriptor */
  short filter;     /* EVFILT_* */
  unsigned short flags;
  unsigned int fflags;
  intptr_t data;    /* for EV_ERROR: the errno of a failed change */
  void *udata;      /* returned with every event */
};

#define EV_SET(kevp, a, b, c, d, e, f) \
  do {                                 \
    struct kevent *ev_set_ = (kevp);   \
    ev_set_->ident = (a);              \
    ev_set_->filter = (b);             \
    ev_set_->flags = (c);              \
    ev_set_->fflags = (d);             \
    ev_set_->data = (e);               \
    ev_set_->udata = (f);              \
  } while (0)

int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges,
           struct kevent *eventlist, int nevents,
           const struct timespec *timeout);

#endif
