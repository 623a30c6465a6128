/* loop.c - creating and destroying loops, and choosing their backend.
 *
 * The backend is chosen at run time: the flags name the allowed backends
 * (none named: the recommended ones), and the first of them, in the order
 * of the table below, whose init() succeeds wins.  LIBEV_FLAGS in the
 * environment replaces the whole flags word, as in libev, unless the caller
 * passed EVFLAG_NOENV or the process runs set-user/group-ID.
 */
#include "backend.h"
#include "pending.h"
#include "stat.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Preference order; libev's order for the backends evix has. */
static const struct evix_backend *const backends[] = {
#ifdef HAVE_BACKEND_KQUEUE
  &evix__backend_kqueue,
#endif
#ifdef HAVE_BACKEND_IOURING
  &evix__backend_iouring,
#endif
#ifdef HAVE_BACKEND_EPOLL
  &evix__backend_epoll,
#endif
#ifdef HAVE_BACKEND_POLL
  &evix__backend_poll,
#endif
#ifdef HAVE_BACKEND_SELECT
  &evix__backend_select,
#endif
};
#define N_BACKENDS (sizeof backends / sizeof backends[0])

/* Read (and written) through the GOT: programs may copy-relocate it. */
struct ev_loop *ev_default_loop_ptr;

static struct ev_loop default_loop_struct;

/* The backends compiled in, without asking the kernel. */
static unsigned int
compiled_backends(void)
{
  unsigned int mask = 0;
  size_t i;
  for (i = 0; i < N_BACKENDS; ++i)
    mask |= backends[i]->flag;
  return mask;
}

unsigned int
ev_supported_backends(void) EV_NOEXCEPT
{
  unsigned int mask = compiled_backends();
#ifdef HAVE_BACKEND_IOURING
  /* Compiled in is not enough: the kernel must let us use it. */
  if (!evix__iouring_usable())
    mask &= ~(unsigned int)EVBACKEND_IOURING;
#endif
  return mask;
}

unsigned int
ev_recommended_backends(void) EV_NOEXCEPT
{
  /* Not ev_supported_backends(): io_uring, the one backend it probes the
   * kernel for, is left out below anyway, and every ev_loop_new(0) asks. */
  unsigned int mask = compiled_backends();

  /* libev's policy: kqueue misbehaves with anything but sockets and pipes
   * everywhere except NetBSD; macOS's poll is built on kqueue; FreeBSD's
   * poll return value is unusable; io_uring and linuxaio are only used
   * when asked for. */
#ifndef __NetBSD__
  mask &= ~(unsigned)EVBACKEND_KQUEUE;
#endif
#if defined __APPLE__ || defined __FreeBSD__
  mask &= ~(unsigned)EVBACKEND_POLL;
#endif
  return mask & ~(unsigned)(EVBACKEND_LINUXAIO | EVBACKEND_IOURING);
}

unsigned int
ev_embeddable_backends(void) EV_NOEXCEPT
{
  /* The backends whose kernel object is itself pollable (an epoll fd can
   * be watched by another epoll).  A fixed set, as in libev: callers AND
   * it with ev_supported_backends(). */
  return EVBACKEND_EPOLL | EVBACKEND_KQUEUE | EVBACKEND_PORT |
         EVBACKEND_IOURING;
}

static int
environment_trusted(void)
{
  return getuid() == geteuid() && getgid() == getegid();
}

/* Sets up a zeroed loop; returns 0, or -1 if no backend could be used. */
static int
loop_init(struct ev_loop *loop, unsigned int flags)
{
  size_t i;

  loop->origflags = flags;
  loop->backend_fd = -1;
  loop->evpipe[0] = loop->evpipe[1] = -1;
  loop->sigfd = -1;
  loop->timerfd = -1;
  /* Decided before LIBEV_FLAGS: the environment cannot turn it on. */
  if (flags & EVFLAG_FORKCHECK)
    loop->curpid = getpid();
  if (!(flags & EVFLAG_NOENV) && environment_trusted()) {
    const char *env = getenv("LIBEV_FLAGS");
    if (env)
      flags = (unsigned int)atoi(env);
  }
  loop->flags = flags;

  evix__time_init(loop);
  evix__pending_init(loop);
  loop->invoke_cb = ev_invoke_pending;

  if (!(flags & EVBACKEND_MASK))
    flags |= ev_recommended_backends();
  for (i = 0; i < N_BACKENDS; ++i)
    if ((flags & backends[i]->flag) && backends[i]->init(loop) == 0) {
      loop->backend = backends[i];
      return 0;
    }
  return -1;
}

static void
loop_free(struct ev_loop *loop)
{
  /* Internal watchers first: they use the fd table and the backend. */
  if (loop == ev_default_loop_ptr)
    evix__child_free(loop);
  evix__sigfd_free(loop);
  evix__evpipe_free(loop);
  evix__stat_free(loop);
  evix__periodics_free(loop);
  evix__signal_loop_gone(loop);

  if (loop->backend)
    loop->backend->destroy(loop);
  loop->backend = NULL;
  evix__fd_free(loop);
  evix__timers_free(loop);
  evix__idle_free(loop);
  evix__prepare_check_free(loop);
  evix__fork_cleanup_free(loop);
  evix__async_free(loop);
  evix__pending_free(loop);
}

struct ev_loop *
ev_default_loop(unsigned int flags) EV_NOEXCEPT
{
  if (!ev_default_loop_ptr) {
    struct ev_loop *loop = &default_loop_struct;
    memset(loop, 0, sizeof *loop);
    if (loop_init(loop, flags) < 0) {
      loop_free(loop);
      return NULL;
    }
    ev_default_loop_ptr = loop;
    /* The default loop owns SIGCHLD from its creation on. */
    evix__child_init(loop);
  }
  return ev_default_loop_ptr;
}

struct ev_loop *
ev_loop_new(unsigned int flags) EV_NOEXCEPT
{
  struct ev_loop *loop = evix__realloc(NULL, (long)sizeof *loop);

  memset(loop, 0, sizeof *loop);
  if (loop_init(loop, flags) < 0) {
    loop_free(loop);
    evix__free(loop);
    return NULL;
  }
  return loop;
}

void
ev_loop_destroy(struct ev_loop *loop)
{
  if (!loop)
    return;
  if (loop->depth)
    evix__misuse("ev_loop_destroy",
                 "the loop is running (called from inside its own ev_run)");
  if (loop->cleanups.cnt) {
    evix__queue_events(loop, loop->cleanups.w, loop->cleanups.cnt,
                       EV_CLEANUP);
    loop->invoke_cb(loop);
  }
  loop_free(loop);
  if (loop == ev_default_loop_ptr) {
    ev_default_loop_ptr = NULL;
    memset(loop, 0, sizeof *loop);
  } else {
    evix__free(loop);
  }
}

void
evix__loop_reinit(struct ev_loop *loop)
{
  /* Backends whose state lives in the process (poll, select) survive a
   * fork as they are; only a re-created kernel object needs every fd
   * registered again. */
  if (loop->backend->reinit) {
    loop->backend->reinit(loop);
    evix__fd_rearm_all(loop);
  }
  loop->backend_rebuild = 0;
}

void
ev_loop_fork(struct ev_loop *loop) EV_NOEXCEPT
{
  loop->postfork = 1;
}

unsigned int
ev_backend(struct ev_loop *loop) EV_NOEXCEPT
{
  return loop->backend->flag;
}

void
ev_set_userdata(struct ev_loop *loop, void *data) EV_NOEXCEPT
{
  loop->userdata = data;
}

void *
ev_userdata(struct ev_loop *loop) EV_NOEXCEPT
{
  return loop->userdata;
}

void
ev_set_invoke_pending_cb(struct ev_loop *loop,
                         ev_loop_callback invoke_pending_cb) EV_NOEXCEPT
{
  loop->invoke_cb = invoke_pending_cb;
}

void
ev_set_loop_release_cb(struct ev_loop *loop,
                       void (*release)(struct ev_loop *loop) EV_NOEXCEPT,
                       void (*acquire)(struct ev_loop *loop) EV_NOEXCEPT)
    EV_NOEXCEPT
{
  loop->release_cb = release;
  loop->acquire_cb = acquire;
}

void
ev_set_io_collect_interval(struct ev_loop *loop, ev_tstamp interval)
    EV_NOEXCEPT
{
  loop->io_blocktime = interval;
}

void
ev_set_timeout_collect_interval(struct ev_loop *loop, ev_tstamp interval)
    EV_NOEXCEPT
{
  loop->timeout_blocktime = interval;
}
