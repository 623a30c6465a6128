/* wakeup.c - how signal handlers and other threads wake a blocked loop.
 *
 * Each loop has one wake-up channel, an eventfd (or a pipe where there is
 * none), read by an internal io watcher of the highest priority that holds
 * no loop reference.  Writers first set a flag saying what happened
 * (sig_pending, async_pending) and write to the channel only if the loop
 * may be about to block:
 *
 *   loop:    pipe_write_wanted = 1; fence; if pipe_write_skipped: do not block
 *   writer:  pipe_write_skipped = 1; fence; if pipe_write_wanted: write
 *
 * One of the two always sees the other's store, so a wake-up is never
 * lost, and while the loop is busy running callbacks no system call is
 * made at all: the loop sees pipe_write_skipped after its next wait and
 * runs the watcher itself.  All of this is async-signal-safe.
 */
#include "pending.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>
#ifdef HAVE_EVENTFD
#include <sys/eventfd.h>
#endif

static void
evpipe_drain(struct ev_loop *loop)
{
  char buf[64];

  if (loop->evpipe[0] == loop->evpipe[1]) {
    uint64_t counter;
    if (read(loop->evpipe[0], &counter, sizeof counter) < 0)
      return;
  } else {
    while (read(loop->evpipe[0], buf, sizeof buf) == (ssize_t)sizeof buf)
      ;
  }
}

static void
pipe_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  (void)w;
  if (revents & EV_READ)
    evpipe_drain(loop);
  __atomic_store_n(&loop->pipe_write_skipped, 0, __ATOMIC_SEQ_CST);

  if (__atomic_load_n(&loop->sig_pending, __ATOMIC_SEQ_CST)) {
    __atomic_store_n(&loop->sig_pending, 0, __ATOMIC_SEQ_CST);
    evix__signals_deliver(loop);
  }
  if (__atomic_load_n(&loop->async_pending, __ATOMIC_SEQ_CST)) {
    __atomic_store_n(&loop->async_pending, 0, __ATOMIC_SEQ_CST);
    evix__asyncs_deliver(loop);
  }
  /* evix_wake only needs the wait to end; there is nothing to deliver. */
  __atomic_store_n(&loop->wake_pending, 0, __ATOMIC_SEQ_CST);
}

static int
evpipe_open(int fds[2])
{
#ifdef HAVE_EVENTFD
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd >= 0) {
    fds[0] = fds[1] = fd;
    return 0;
  }
#endif
  return pipe2(fds, O_NONBLOCK | O_CLOEXEC);
}

static void
evpipe_close(struct ev_loop *loop)
{
  if (loop->evpipe[0] >= 0)
    close(loop->evpipe[0]);
  if (loop->evpipe[1] >= 0 && loop->evpipe[1] != loop->evpipe[0])
    close(loop->evpipe[1]);
  loop->evpipe[0] = loop->evpipe[1] = -1;
}

static void
evpipe_watch(struct ev_loop *loop)
{
  ev_io_init(&loop->pipe_w, pipe_cb, loop->evpipe[0], EV_READ);
  ev_set_priority(&loop->pipe_w, EV_MAXPRI);
  ev_io_start(loop, &loop->pipe_w);
  ev_unref(loop); /* internal: never keeps the loop alive */
}

void
evix__evpipe_init(struct ev_loop *loop)
{
  int fds[2];

  if (loop->pipe_w.active)
    return;
  while (evpipe_open(fds) < 0)
    evix__syserr("(libev) error creating signal/async pipe");
  loop->evpipe[0] = fds[0];
  loop->evpipe[1] = fds[1];
  evpipe_watch(loop);
}

void
evix__evpipe_free(struct ev_loop *loop)
{
  if (loop->pipe_w.active) {
    ev_ref(loop);
    ev_io_stop(loop, &loop->pipe_w);
  }
  evpipe_close(loop);
}

void
evix__evpipe_fork(struct ev_loop *loop)
{
  if (!loop->pipe_w.active)
    return;
  evix__evpipe_free(loop);
  evix__evpipe_init(loop);
  /* Whatever was sent before the fork must still be delivered. */
  evix__feed(loop, (ev_watcher *)&loop->pipe_w, EV_CUSTOM);
}

void
evix__wakeup(struct ev_loop *loop, int *flag)
{
  if (__atomic_exchange_n(flag, 1, __ATOMIC_SEQ_CST))
    return; /* already flagged: whoever set it takes care */

  __atomic_store_n(&loop->pipe_write_skipped, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&loop->pipe_write_wanted, __ATOMIC_SEQ_CST)) {
    static const uint64_t one = 1;
    int saved = errno; /* we may run inside a signal handler */
    ssize_t r;

    __atomic_store_n(&loop->pipe_write_skipped, 0, __ATOMIC_SEQ_CST);
    if (loop->evpipe[0] == loop->evpipe[1])
      r = write(loop->evpipe[1], &one, sizeof one);
    else
      r = write(loop->evpipe[1], &one, 1);
    (void)r; /* a full pipe or counter already wakes the loop */
    errno = saved;
  }
}

void
evix_wake(struct ev_loop *loop)
{
  /* The channel is made on the loop's thread only; without one there is
   * nobody to wake that could be blocking. */
  if (__atomic_load_n(&loop->evpipe[1], __ATOMIC_SEQ_CST) < 0)
    return;
  evix__wakeup(loop, &loop->wake_pending);
}

void
evix_set_wait_wrapper(struct ev_loop *loop, evix_wait_wrapper wrapper,
                      void *data)
{
  if (wrapper)
    evix__evpipe_init(loop);
  loop->wait_wrapper = wrapper;
  loop->wait_wrapper_data = data;
}
