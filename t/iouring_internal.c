/* iouring_internal.c - the io_uring backend's paths for older kernels and
 * rare kernel states, reached on a current kernel through the backend's
 * test knobs (evix__iouring_tuning, which is why this program links the
 * library statically): no ring at all, no timeouts on io_uring_enter (a
 * timeout request instead), separately mapped queues, queues so small
 * that the submission queue fills and the completion queue overflows, and
 * lost completions.  evix only.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include "evix-internal.h"
#include "iouring_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static struct ev_loop *
uring_loop(void)
{
  return ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
}

/* ---- no ring --------------------------------------------------------------- */

static void
test_refused(void)
{
  static const int errs[] = { ENOSYS, EPERM, ENOMEM };
  size_t i;

  for (i = 0; i < sizeof errs / sizeof errs[0]; ++i) {
    const char *e = strerror(errs[i]);
    struct ev_loop *loop;

    evix__iouring_tuning.setup_errno = errs[i];
    ok(!(ev_supported_backends() & EVBACKEND_IOURING),
       "set-up fails with %s: io_uring not supported", e);
    loop = ev_loop_new(EVBACKEND_IOURING | EVBACKEND_EPOLL | EVFLAG_NOENV);
    is_hex(loop ? ev_backend(loop) : 0, EVBACKEND_EPOLL,
           "set-up fails with %s: IOURING|EPOLL falls back to epoll", e);
    if (loop)
      ev_loop_destroy(loop);
    loop = uring_loop();
    ok(loop == NULL, "set-up fails with %s: IOURING alone gives NULL", e);
    if (loop)
      ev_loop_destroy(loop);
  }
  evix__iouring_tuning.setup_errno = 0;
}

/* ---- timeouts ------------------------------------------------------------- */

static int fired;

static void
count_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
  ++fired;
}

struct waker {
  ev_timer timer;
  int fd;
};

static void
waker_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)revents;
  put_byte(((struct waker *)w)->fd);
}

static int io_seen;

static void
io_seen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  char c;

  (void)loop;
  (void)revents;
  if (read(w->fd, &c, 1) == 1)
    ++io_seen;
}

/* Timers and io on a loop whose waits are timed by whatever the current
 * knobs make the backend use. */
static void
check_timing(const char *how)
{
  struct ev_loop *loop = uring_loop();
  ev_timer t, lng;
  struct waker wk;
  ev_io w;
  unsigned it;
  double t0, dt, late = 0.;
  int p[2], i, early = 0;

  if (!loop) {
    skip("no io_uring loop", "timing with %s", how);
    return;
  }
  /* 20 short timers in a row: none early, few iterations each (timeouts
   * left behind by earlier waits would end later waits early). */
  it = ev_iteration(loop);
  for (i = 0; i < 20; ++i) {
    fired = 0;
    ev_now_update(loop);
    t0 = ev_now(loop);
    ev_timer_init(&t, count_cb, 0.01, 0.);
    ev_timer_start(loop, &t);
    while (!fired)
      ev_run(loop, EVRUN_ONCE);
    dt = ev_now(loop) - t0;
    if (dt < 0.0099)
      ++early;
    if (dt - 0.01 > late)
      late = dt - 0.01;
  }
  is_int(early, 0, "%s: 20 timers of 10 ms, none early", how);
  ok(late < 0.5, "%s: none much late (worst %.1f ms)", how, late * 1e3);
  ok(ev_iteration(loop) - it <= 60, "%s: no spurious wake-ups (%u "
     "iterations for 20 timers)", how, ev_iteration(loop) - it);

  /* A long timeout does not hold up io. */
  make_pipe(p);
  io_seen = 0;
  ev_io_init(&w, io_seen_cb, p[0], EV_READ);
  ev_io_start(loop, &w);
  ev_timer_init(&lng, count_cb, 5., 0.);
  ev_timer_start(loop, &lng);
  wk.fd = p[1];
  ev_timer_init(&wk.timer, waker_cb, 0.05, 0.);
  ev_timer_start(loop, &wk.timer);
  t0 = mono_now();
  while (!io_seen && mono_now() - t0 < 10.)
    ev_run(loop, EVRUN_ONCE);
  dt = mono_now() - t0;
  ok(io_seen == 1 && dt < 1., "%s: io ends a wait with a 5 s timeout "
     "(%.3f s)", how, dt);
  ev_timer_stop(loop, &lng);
  ev_io_stop(loop, &w);
  ev_loop_destroy(loop);
  close(p[0]);
  close(p[1]);
}

/* ---- small queues, many fds -------------------------------------------------- */

struct reader {
  ev_io io;
  int calls;
};

static void
reader_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  char buf[16];

  (void)loop;
  (void)revents;
  ++((struct reader *)w)->calls;
  while (read(w->fd, buf, sizeof buf) > 0)
    ;
}

#define NPAIRS 1000

static void
check_many(const char *how, int expect_rebuild)
{
  static struct reader r[2 * NPAIRS];
  static int sv[NPAIRS][2];
  struct ev_loop *loop = uring_loop();
  int i, total, once = 1, rounds = 0;
  unsigned int losses = evix__iouring_tuning.losses;

  if (!loop) {
    skip("no io_uring loop", "many fds with %s", how);
    return;
  }
  for (i = 0; i < NPAIRS; ++i) {
    make_socketpair(sv[i]);
    memset(&r[2 * i], 0, sizeof r[0]);
    memset(&r[2 * i + 1], 0, sizeof r[0]);
    ev_io_init(&r[2 * i].io, reader_cb, sv[i][0], EV_READ);
    ev_io_init(&r[2 * i + 1].io, reader_cb, sv[i][1], EV_READ);
    ev_io_start(loop, &r[2 * i].io);
    ev_io_start(loop, &r[2 * i + 1].io);
  }
  ev_run(loop, EVRUN_NOWAIT);
  for (i = total = 0; i < 2 * NPAIRS; ++i)
    total += r[i].calls;
  is_int(total, 0, "%s: %d idle fds registered, nothing fires", how,
         2 * NPAIRS);

  for (i = 0; i < NPAIRS; ++i) {
    put_byte(sv[i][0]);
    put_byte(sv[i][1]);
  }
  do {
    ev_run(loop, EVRUN_NOWAIT);
    for (i = total = 0; i < 2 * NPAIRS; ++i)
      total += r[i].calls > 0;
  } while (total < 2 * NPAIRS && ++rounds < 5000);
  ev_run(loop, EVRUN_NOWAIT);
  ev_run(loop, EVRUN_NOWAIT);
  for (i = 0; i < 2 * NPAIRS; ++i)
    once &= r[i].calls == 1;
  is_int(total, 2 * NPAIRS, "%s: all %d readable at once, every one "
         "reported (%d iterations)", how, 2 * NPAIRS, rounds + 1);
  ok(once, "%s: each exactly once", how);
  if (expect_rebuild)
    ok(evix__iouring_tuning.losses > losses, "%s: the ring was made anew, "
       "%u time(s)", how, evix__iouring_tuning.losses - losses);
  else
    is_int(evix__iouring_tuning.losses - losses, 0, "%s: no completion was "
           "lost", how);
  ev_verify(loop);

  /* And the loop goes on working. */
  for (i = 0; i < 2 * NPAIRS; ++i)
    r[i].calls = 0;
  put_byte(sv[7][1]);
  for (rounds = 0; !r[14].calls && rounds < 100; ++rounds)
    ev_run(loop, EVRUN_NOWAIT);
  for (i = total = 0; i < 2 * NPAIRS; ++i)
    total += r[i].calls;
  ok(r[14].calls == 1 && total == 1, "%s: afterwards one more event is "
     "reported alone", how);

  for (i = 0; i < 2 * NPAIRS; ++i)
    ev_io_stop(loop, &r[i].io);
  for (i = 0; i < NPAIRS; ++i) {
    close(sv[i][0]);
    close(sv[i][1]);
  }
  ev_loop_destroy(loop);
}

/* ---- descriptors ------------------------------------------------------------- */

static void
test_fds(void)
{
  int before = count_open_fds();
  struct ev_loop *loop = uring_loop();

  if (!loop) {
    skip("no io_uring loop", "io_uring loop descriptors");
    return;
  }
  is_int(count_open_fds(), before + 1, "an io_uring loop uses one fd");
  ok(fcntl(loop->backend_fd, F_GETFD) & FD_CLOEXEC,
     "it is close-on-exec");
  ev_loop_destroy(loop);
  is_int(count_open_fds(), before, "ev_loop_destroy closes it");

  setenv("LIBEV_FLAGS", "128", 1);
  loop = ev_loop_new(0);
  is_hex(loop ? ev_backend(loop) : 0, EVBACKEND_IOURING,
         "LIBEV_FLAGS=128 chooses io_uring");
  if (loop)
    ev_loop_destroy(loop);
  unsetenv("LIBEV_FLAGS");
}

int
main(void)
{
  struct rlimit rl;

  tap_start(120);
  unsetenv("LIBEV_FLAGS");
  if (!(ev_supported_backends() & EVBACKEND_IOURING))
    skip_all("this kernel refuses io_uring");
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 2 * NPAIRS + 100 &&
      (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= 2 * NPAIRS + 100)) {
    rl.rlim_cur = 2 * NPAIRS + 100;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  test_refused();
  test_fds();

  check_timing("the kernel's own features");
  evix__iouring_tuning.hide_features = IORING_FEAT_EXT_ARG;
  check_timing("a timeout request instead of EXT_ARG");
  evix__iouring_tuning.hide_features = IORING_FEAT_SINGLE_MMAP;
  check_timing("the queues mapped separately");
  evix__iouring_tuning.hide_features = 0;

  check_many("default queues", 0);
  evix__iouring_tuning.sq_entries = 4;
  evix__iouring_tuning.cq_entries = 8;
  check_many("4 submission and 8 completion entries", 0);
  evix__iouring_tuning.hide_features = IORING_FEAT_NODROP;
  check_many("tiny queues and lost completions", 1);
  evix__iouring_tuning.hide_features = IORING_FEAT_EXT_ARG;
  check_timing("tiny queues and a timeout request");
  evix__iouring_tuning.hide_features = 0;
  evix__iouring_tuning.sq_entries = 0;
  evix__iouring_tuning.cq_entries = 0;
  return 0;
}
