/* backend_cases.c - the cases each backend handles differently inside.
 *
 * Every backend keeps its own idea of which fds are registered; these are
 * the situations where that idea and the kernel's can drift apart: an fd
 * number closed and reused between iterations, a watcher stopped and
 * started again before the backend was told, ten thousand fds at once,
 * and a signal interrupting the wait.  Run on every backend, including
 * kqueue where the test build emulates it.
 */
#include "testlib.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct counted {
  ev_io io;
  int calls;
  int revents;
};

static void
counted_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct counted *c = (struct counted *)w;
  char buf[64];

  (void)loop;
  ++c->calls;
  c->revents |= revents;
  if (revents & EV_READ)
    while (read(w->fd, buf, sizeof buf) > 0)
      ;
}

/* An fd number closed and opened again between two iterations, the new
 * file announced with ev_io_set: only the new file's events count. */
static void
reused_number(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  struct counted c = { .calls = 0 };
  int a[2], n[2], fd;

  make_pipe(a);
  fd = a[0];
  ev_io_init(&c.io, counted_cb, fd, EV_READ);
  ev_io_start(loop, &c.io);
  run_nowait(loop, 1); /* registered */

  /* Data on the old file, then the number is closed and reused. */
  if (write(a[1], "x", 1) != 1)
    bail("write");
  ev_io_stop(loop, &c.io);
  close(a[0]);
  make_pipe(n);
  if (n[0] != fd) {
    if (dup2(n[0], fd) < 0)
      bail("dup2: %s", strerror(errno));
    close(n[0]);
  }
  ev_io_set(&c.io, fd, EV_READ);
  ev_io_start(loop, &c.io);
  c.calls = 0;
  run_nowait(loop, 3);
  is_int(c.calls, 0, "a reused fd number reports nothing of the old file "
         "[%s]", b->name);
  if (write(n[1], "y", 1) != 1)
    bail("write");
  run_nowait(loop, 3);
  is_int(c.calls, 1, "... and the new file's data once [%s]", b->name);

  ev_io_stop(loop, &c.io);
  ev_verify(loop);
  ev_loop_destroy(loop);
  close(fd);
  close(a[1]);
  close(n[1]);
}

/* Stopped and started again within one iteration, from a callback: the
 * backend sees no change, and the watcher keeps working. */
static struct counted restart_w;
static ev_timer restart_t;

static void
restart_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
  (void)t;
  (void)revents;
  ev_io_stop(loop, &restart_w.io);
  ev_io_start(loop, &restart_w.io);
}

static void
stop_start_same_iteration(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  int p[2];

  make_pipe(p);
  memset(&restart_w, 0, sizeof restart_w);
  ev_io_init(&restart_w.io, counted_cb, p[0], EV_READ);
  ev_io_start(loop, &restart_w.io);
  ev_timer_init(&restart_t, restart_cb, 0., 0.);
  ev_timer_start(loop, &restart_t);
  run_nowait(loop, 2);
  if (write(p[1], "z", 1) != 1)
    bail("write");
  ev_timer_start(loop, &restart_t);
  run_nowait(loop, 3);
  is_int(restart_w.calls, 1, "an io watcher stopped and restarted in one "
         "iteration still gets its event, once [%s]", b->name);
  ok(ev_is_active(&restart_w.io), "... and is still active [%s]", b->name);

  ev_io_stop(loop, &restart_w.io);
  ev_loop_destroy(loop);
  close(p[0]);
  close(p[1]);
}

/* Ten thousand descriptors: 5000 socketpairs, a read watcher on both ends
 * of every pair, every end made readable once. */
static void
many_fds(const struct test_backend *b)
{
  enum { PAIRS = 5000 };
  struct rlimit rl;
  struct ev_loop *loop;
  struct counted *w;
  int (*fds)[2];
  int i, once = 1, total = 0, iterations = 0;
  double end;

  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 2 * PAIRS + 100 && rl.rlim_max >= 2 * PAIRS + 100) {
    rl.rlim_cur = 2 * PAIRS + 100;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < 2 * PAIRS + 100) {
    skip("the fd limit is below 10100", "10^4 fds [%s]", b->name);
    return;
  }

  loop = test_loop_new(b->flag);
  w = calloc(2 * PAIRS, sizeof *w);
  fds = calloc(PAIRS, sizeof *fds);
  if (!w || !fds)
    bail("calloc");
  for (i = 0; i < PAIRS; ++i) {
    make_socketpair(fds[i]);
    ev_io_init(&w[2 * i].io, counted_cb, fds[i][0], EV_READ);
    ev_io_init(&w[2 * i + 1].io, counted_cb, fds[i][1], EV_READ);
    ev_io_start(loop, &w[2 * i].io);
    ev_io_start(loop, &w[2 * i + 1].io);
  }
  run_nowait(loop, 1);
  for (i = 0; i < PAIRS; ++i)
    if (write(fds[i][0], "a", 1) != 1 || write(fds[i][1], "b", 1) != 1)
      bail("write");

  end = mono_now() + 20;
  while (mono_now() < end) {
    ev_run(loop, EVRUN_NOWAIT);
    ++iterations;
    for (i = total = 0; i < 2 * PAIRS; ++i)
      total += w[i].calls > 0;
    if (total == 2 * PAIRS)
      break;
  }
  for (i = 0; i < 2 * PAIRS; ++i)
    once &= w[i].calls == 1;
  is_int(total, 2 * PAIRS, "every one of 10^4 watched fds reported its "
         "data (%d iterations) [%s]", iterations, b->name);
  ok(once, "each exactly once [%s]", b->name);
  ev_verify(loop);

  for (i = 0; i < PAIRS; ++i) {
    ev_io_stop(loop, &w[2 * i].io);
    ev_io_stop(loop, &w[2 * i + 1].io);
    close(fds[i][0]);
    close(fds[i][1]);
  }
  ev_loop_destroy(loop);
  free(w);
  free(fds);
}

/* A signal interrupting the blocked wait (no SA_RESTART): the loop goes
 * on waiting, and the timer fires on time - neither early nor lost. */
static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
  (void)sig;
  ++alarms;
}

static int timer_fired;

static void
fired_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
  ++timer_fired;
}

static void
eintr_wait(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  struct sigaction sa, old;
  ev_timer t;
  double t0, elapsed;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: the wait fails with EINTR */
  sigaction(SIGALRM, &sa, &old);

  alarms = 0;
  timer_fired = 0;
  /* The loop's time was last read before the slow steps above. */
  ev_now_update(loop);
  ev_timer_init(&t, fired_cb, 0.3, 0.);
  ev_timer_start(loop, &t);
  ualarm(50000, 50000); /* every 50 ms while we wait */
  t0 = mono_now();
  while (!timer_fired && mono_now() - t0 < 5)
    ev_run(loop, EVRUN_ONCE);
  elapsed = mono_now() - t0;
  ualarm(0, 0);
  sigaction(SIGALRM, &old, NULL);

  ok(alarms >= 2, "signals interrupted the wait (%d) [%s]", (int)alarms,
     b->name);
  is_int(timer_fired, 1, "the timer still fired once [%s]", b->name);
  ok(elapsed >= 0.29 && elapsed < 2., "... after 0.3 s, not early (%.3f s) "
     "[%s]", elapsed, b->name);
  ev_loop_destroy(loop);
}

static void
one_backend(const struct test_backend *b)
{
  reused_number(b);
  stop_start_same_iteration(b);
  many_fds(b);
  eintr_wait(b);
}

int
main(void)
{
  tap_start(120);
  for_each_backend(one_backend);
  return 0;
}
