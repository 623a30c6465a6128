/* loop_lifecycle.c - creating and destroying loops: the default loop and
 * ev_default_loop_ptr, ev_loop_new, ev_backend, the descriptors a loop
 * owns, the version functions and ev_userdata.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ev.h only declares this inside its inline ev_default_loop_uc_(); programs
 * that read it directly declare it themselves, as done here. */
extern struct ev_loop *ev_default_loop_ptr;

static const char *bn; /* backend name of the current round */

static int timer_fired;

static void
count_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  if (revents & EV_TIMER)
    ++timer_fired;
}

static void
noop_async_cb(struct ev_loop *l, ev_async *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

static void
noop_periodic_cb(struct ev_loop *l, ev_periodic *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

static void
noop_stat_cb(struct ev_loop *l, ev_stat *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

static void
noop_signal_cb(struct ev_loop *l, ev_signal *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

/* The harness may have inherited descriptors without FD_CLOEXEC (a make
 * jobserver pipe, for example).  Mark them, so that all_fds_cloexec()
 * afterwards only judges descriptors the library opened. */
static void
mark_inherited_fds_cloexec(void)
{
  int bad, i;
  for (i = 0; i < 1000 && !all_fds_cloexec(&bad); ++i) {
    diag("marking inherited fd %d close-on-exec", bad);
    fcntl(bad, F_SETFD, fcntl(bad, F_GETFD) | FD_CLOEXEC);
  }
}

/* A loop is usable: a zero-delay timer fires in one ev_run. */
static int
loop_works(struct ev_loop *loop)
{
  ev_timer t;
  timer_fired = 0;
  ev_timer_init(&t, count_timer_cb, 0., 0.);
  ev_timer_start(loop, &t);
  ev_run(loop, 0);
  ev_timer_stop(loop, &t);
  return timer_fired == 1;
}

static int
sigchld_is_default(void)
{
  struct sigaction sa;
  sigaction(SIGCHLD, NULL, &sa);
  return !(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_DFL;
}

static void
test_default_loop(const struct test_backend *b)
{
  struct ev_loop *d, *d2, *d3;
  int fds0 = count_open_fds();
  int bad = -1;

  ok(ev_default_loop_ptr == NULL, "no default loop yet: ev_default_loop_ptr "
     "is NULL [%s]", bn);
  ok(EV_DEFAULT_UC == NULL, "EV_DEFAULT_UC is NULL without a default loop "
     "[%s]", bn);
  ok(sigchld_is_default(), "SIGCHLD disposition is SIG_DFL before the "
     "default loop exists [%s]", bn);

  d = ev_default_loop(b->flag | EVFLAG_NOENV);
  if (!ok(d != NULL, "ev_default_loop(%s|NOENV) returns a loop [%s]", bn, bn))
    bail("no default loop");
  is_hex(ev_backend(d), b->flag, "default loop uses the requested backend "
         "[%s]", bn);
  ok(ev_default_loop_ptr == d, "ev_default_loop sets ev_default_loop_ptr "
     "[%s]", bn);
  ok(ev_is_default_loop(d), "ev_is_default_loop(default) is true [%s]", bn);
  ok(EV_DEFAULT_UC == d, "EV_DEFAULT_UC is the default loop [%s]", bn);
  ok(EV_DEFAULT == d, "EV_DEFAULT is the default loop [%s]", bn);
  ok(!sigchld_is_default(), "the default loop installs a SIGCHLD handler "
     "[%s]", bn);

  d2 = ev_default_loop(0);
  ok(d2 == d, "a repeated ev_default_loop(0) returns the same loop [%s]", bn);
  d3 = ev_default_loop(b->flag == EVBACKEND_SELECT ? EVBACKEND_POLL
                                                   : EVBACKEND_SELECT);
  ok(d3 == d, "a repeated ev_default_loop ignores other backend flags "
     "[%s]", bn);
  is_hex(ev_backend(d), b->flag, "the default loop's backend did not change "
         "[%s]", bn);

  if (!ok(all_fds_cloexec(&bad), "every fd of the default loop is "
          "close-on-exec [%s]", bn))
    diag("fd %d lacks FD_CLOEXEC", bad);
  ok(loop_works(d), "the default loop runs a timer [%s]", bn);
  ev_verify(d);

  ev_loop_destroy(d);
  ok(ev_default_loop_ptr == NULL, "destroying the default loop resets "
     "ev_default_loop_ptr to NULL [%s]", bn);
  ok(EV_DEFAULT_UC == NULL, "EV_DEFAULT_UC is NULL after the default loop "
     "was destroyed [%s]", bn);
  ok(sigchld_is_default(), "destroying the default loop resets SIGCHLD to "
     "SIG_DFL [%s]", bn);
  is_int(count_open_fds(), fds0, "destroying the default loop closes its "
         "fds [%s]", bn);

  d = ev_default_loop(b->flag | EVFLAG_NOENV);
  ok(d != NULL && ev_default_loop_ptr == d, "a new ev_default_loop works "
     "after the old one was destroyed [%s]", bn);
  if (d) {
    ok(ev_is_default_loop(d), "the new default loop is the default loop "
       "[%s]", bn);
    /* Not checked: libev keeps ev_iteration of the default loop across a
     * destroy and re-create (its storage is static); nothing relies on it. */
    ok(loop_works(d), "the new default loop runs a timer [%s]", bn);
    ev_loop_destroy(d);
  }
  ok(ev_default_loop_ptr == NULL, "ev_default_loop_ptr is NULL again [%s]",
     bn);
  is_int(count_open_fds(), fds0, "no fds leaked over two default loops "
         "[%s]", bn);
}

static void
test_new_loops(const struct test_backend *b)
{
  struct ev_loop *l1, *l2, *d;
  int fds0, fds1, fds2, bad = -1;
  /* Backends with a kernel object (epoll, kqueue, io_uring) use one fd. */
  int want = backend_uses_fd(b->flag);

  d = ev_default_loop(EVFLAG_NOENV);
  fds0 = count_open_fds();
  l1 = ev_loop_new(b->flag | EVFLAG_NOENV);
  fds1 = count_open_fds();
  l2 = ev_loop_new(b->flag | EVFLAG_NOENV);
  fds2 = count_open_fds();
  if (!ok(l1 && l2, "ev_loop_new(%s|NOENV) twice returns loops [%s]", bn,
          bn))
    bail("ev_loop_new failed");

  ok(l1 != l2, "two ev_loop_new calls give distinct loops [%s]", bn);
  ok(l1 != d && l2 != d, "ev_loop_new never returns the default loop [%s]",
     bn);
  is_hex(ev_backend(l1), b->flag, "first new loop uses the requested "
         "backend [%s]", bn);
  is_hex(ev_backend(l2), b->flag, "second new loop uses the requested "
         "backend [%s]", bn);
  ok(!ev_is_default_loop(l1) && !ev_is_default_loop(l2),
     "ev_is_default_loop is false for new loops [%s]", bn);
  ok(ev_default_loop_ptr == d, "ev_loop_new leaves ev_default_loop_ptr "
     "alone [%s]", bn);
  is_int(fds1 - fds0, want, "a fresh ev_loop_new opens exactly %d fd(s) "
         "[%s]", want, bn);
  is_int(fds2 - fds1, want, "the second ev_loop_new opens %d more [%s]",
         want, bn);
  if (!ok(all_fds_cloexec(&bad), "fds of new loops are close-on-exec [%s]",
          bn))
    diag("fd %d lacks FD_CLOEXEC", bad);

  is_int(ev_iteration(l1), 0, "a new loop starts at iteration 0 [%s]", bn);
  is_int(ev_depth(l1), 0, "a new loop has depth 0 [%s]", bn);
  is_int(ev_pending_count(l1), 0, "a new loop has nothing pending [%s]",
         bn);
  is_double(ev_now(l1), ev_time(), 0.1, "a new loop's ev_now is the current "
            "time [%s]", bn);

  /* Each loop works on its own, and running one leaves the other alone. */
  ok(loop_works(l1), "first new loop runs a timer [%s]", bn);
  is_int(ev_iteration(l2), 0, "running one loop does not iterate another "
         "[%s]", bn);
  ok(loop_works(l2), "second new loop runs a timer [%s]", bn);
  ev_verify(l1);
  ev_verify(l2);

  ev_loop_destroy(l1);
  is_int(count_open_fds(), fds2 - want, "ev_loop_destroy closes the loop's "
         "fds [%s]", bn);
  ok(loop_works(l2), "the other loop still works after one was destroyed "
     "[%s]", bn);
  ev_loop_destroy(l2);
  is_int(count_open_fds(), fds0, "all fds are back after destroying both "
         "[%s]", bn);
  ok(ev_default_loop_ptr == d && loop_works(d), "the default loop is "
     "unaffected [%s]", bn);
  ev_loop_destroy(d);
}

/* Descriptors created lazily (wake-up fd, timer-change fd, inotify,
 * signalfd) must be close-on-exec too, and go away with the loop. */
static void
test_lazy_fds(const struct test_backend *b)
{
  struct ev_loop *loop;
  ev_async a;
  ev_periodic p;
  ev_stat st;
  ev_signal sig;
  int fds0 = count_open_fds(), bad = -1;

  loop = ev_loop_new(b->flag | EVFLAG_NOENV | EVFLAG_SIGNALFD);
  if (!loop)
    bail("ev_loop_new(%s|SIGNALFD) failed", bn);
  ev_async_init(&a, noop_async_cb);
  ev_async_start(loop, &a);
  ev_periodic_init(&p, noop_periodic_cb, ev_time() + 1000., 0., 0);
  ev_periodic_start(loop, &p);
  ev_stat_init(&st, noop_stat_cb, "/", 0.);
  ev_stat_start(loop, &st);
  ev_signal_init(&sig, noop_signal_cb, SIGUSR2);
  ev_signal_start(loop, &sig);
  ev_async_send(loop, &a);
  ev_run(loop, EVRUN_NOWAIT);
  ev_verify(loop);

  /* At least a wake-up descriptor for the async watcher must exist on top
   * of the backend's own. */
  ok(count_open_fds() > fds0 + backend_uses_fd(b->flag),
     "watchers needing helper fds opened them [%s]", bn);
  if (!ok(all_fds_cloexec(&bad), "fds opened for async/periodic/stat/signal "
          "watchers are close-on-exec [%s]", bn))
    diag("fd %d lacks FD_CLOEXEC", bad);

  ev_signal_stop(loop, &sig);
  ev_stat_stop(loop, &st);
  ev_periodic_stop(loop, &p);
  ev_async_stop(loop, &a);
  ev_loop_destroy(loop);
  is_int(count_open_fds(), fds0, "ev_loop_destroy closes the helper fds "
         "too [%s]", bn);
}

static void
test_many_loops(const struct test_backend *b)
{
  struct ev_loop *loops[32];
  int fds0 = count_open_fds();
  int i, j, distinct = 1, created = 0;

  for (i = 0; i < 32; ++i) {
    loops[i] = ev_loop_new(b->flag | EVFLAG_NOENV);
    created += loops[i] != NULL;
  }
  for (i = 0; i < 32; ++i)
    for (j = i + 1; j < 32; ++j)
      if (loops[i] == loops[j])
        distinct = 0;
  is_int(created, 32, "32 loops can exist at once [%s]", bn);
  ok(distinct, "32 loops are all distinct [%s]", bn);
  for (i = 0; i < 32; ++i)
    if (loops[i])
      ev_loop_destroy(loops[i]);
  is_int(count_open_fds(), fds0, "destroying 32 loops leaks no fd [%s]", bn);
}

static void
test_userdata(const struct test_backend *b)
{
  struct ev_loop *l1 = test_loop_new(b->flag);
  struct ev_loop *l2 = test_loop_new(b->flag);
  int x, y;

  ok(ev_userdata(l1) == NULL, "ev_userdata is NULL by default [%s]", bn);
  ev_set_userdata(l1, &x);
  ok(ev_userdata(l1) == &x, "ev_userdata returns what was set [%s]", bn);
  ok(ev_userdata(l2) == NULL, "userdata is per loop [%s]", bn);
  ev_set_userdata(l2, &y);
  ok(ev_userdata(l1) == &x && ev_userdata(l2) == &y, "two loops keep their "
     "own userdata [%s]", bn);
  ev_run(l1, EVRUN_NOWAIT);
  ok(ev_userdata(l1) == &x, "ev_run does not touch userdata [%s]", bn);
  ev_set_userdata(l1, NULL);
  ok(ev_userdata(l1) == NULL, "userdata can be reset to NULL [%s]", bn);
  ev_loop_destroy(l1);
  ev_loop_destroy(l2);
}

static void
destroy_null(void *arg)
{
  (void)arg;
  ev_loop_destroy(NULL);
  _exit(7);
}

static void
test_destroy_null(const struct test_backend *b)
{
  struct child_result res;
  (void)b;
  run_in_child(destroy_null, NULL, 10., &res);
  if (!ok(res.exited && res.status == 7, "ev_loop_destroy(NULL) returns "
          "harmlessly [%s]", bn))
    diag("child: signaled=%d signo=%d stderr=\"%s\"", res.signaled,
         res.signo, res.err);
  ev_loop_destroy(NULL);
  ok(ev_default_loop_ptr == NULL, "ev_loop_destroy(NULL) leaves "
     "ev_default_loop_ptr alone [%s]", bn);
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  test_default_loop(b);
  test_new_loops(b);
  test_lazy_fds(b);
  test_many_loops(b);
  test_userdata(b);
  test_destroy_null(b);
}

int
main(void)
{
  tap_start(60);
  mark_inherited_fds_cloexec();

  is_int(ev_version_major(), 4, "ev_version_major() is 4 [%s]", TEST_IMPL);
  is_int(EV_VERSION_MAJOR, 4, "EV_VERSION_MAJOR is 4 [%s]", TEST_IMPL);
  if (!ok(ev_version_minor() >= 33, "ev_version_minor() is at least 33 [%s]",
          TEST_IMPL))
    diag("got %d", ev_version_minor());
  is_int(ev_version_major(), EV_VERSION_MAJOR, "ev_version_major() equals "
         "EV_VERSION_MAJOR [%s]", TEST_IMPL);
  is_int(ev_version_minor(), EV_VERSION_MINOR, "ev_version_minor() equals "
         "EV_VERSION_MINOR [%s]", TEST_IMPL);

  for_each_backend(per_backend);
  return 0;
}
