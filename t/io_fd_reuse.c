/* io_fd_reuse.c - io watchers when fd numbers are closed, reused or bad.
 *
 * An fd number that is closed and reopened must not deliver events of the
 * old file description; closing fds from callbacks must be safe; a watcher
 * on a closed fd gets EV_ERROR where the backend can see the bad fd; and
 * regular files, which are always ready, work on every backend.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* fd numbers far above anything the test opens otherwise, so a closed
 * number cannot be taken over by an unrelated fd by accident.  They stay
 * below FD_SETSIZE for the sake of the select backend. */
#define BAD_FD 900
#define FILE_FD 901

struct probe {
  ev_io io;
  int calls;
  int revents;
  unsigned iter;
  int stop_self;
  int close_self;    /* close the watched fd in the callback */
  struct probe *victim; /* stop this one and close its fd, if first */
};

static int iteration_calls; /* callbacks in the current ev_run */

static void
probe_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct probe *p = (struct probe *)w;

  ++p->calls;
  ++iteration_calls;
  p->revents = revents;
  p->iter = ev_iteration(loop);
  if (p->stop_self)
    ev_io_stop(loop, w);
  if (p->close_self)
    close(w->fd);
  if (p->victim && iteration_calls == 1) {
    ev_io_stop(loop, &p->victim->io);
    close(p->victim->io.fd);
  }
}

static void
probe_init(struct probe *p, int fd, int events)
{
  memset(p, 0, sizeof *p);
  ev_io_init(&p->io, probe_cb, fd, events);
}

static void
nowait(struct ev_loop *loop, int times)
{
  while (times-- > 0) {
    iteration_calls = 0;
    ev_run(loop, EVRUN_NOWAIT);
  }
}

/* Puts the read end of a fresh empty pipe on fd number `fd`; returns the
 * write end. */
static int
fresh_pipe_on(int fd)
{
  int p[2];

  make_pipe(p);
  if (p[0] == fd) /* the lowest free number: already in place */
    return p[1];
  if (p[1] == fd) { /* move the write end out of the way */
    int t = fcntl(p[1], F_DUPFD_CLOEXEC, 0);
    if (t < 0)
      bail("fcntl: %s", strerror(errno));
    close(p[1]);
    p[1] = t;
  }
  if (dup3(p[0], fd, O_CLOEXEC) < 0)
    bail("dup3: %s", strerror(errno));
  close(p[0]);
  return p[1];
}

/* ---- (a) closed and reopened under the same number -------------------- */

static void
test_reuse_plain(struct ev_loop *loop, const char *be)
{
  int old[2], new_w, r;
  struct probe w;

  make_pipe(old);
  r = old[0];
  put_byte(old[1]);
  probe_init(&w, r, EV_READ);
  ev_io_start(loop, &w.io);
  nowait(loop, 1);
  is_int(w.calls, 1, "watcher on the old readable pipe fires [%s]", be);

  ev_io_stop(loop, &w.io);
  close(r);
  new_w = fresh_pipe_on(r);
  ev_io_set(&w.io, r, EV_READ);
  ev_io_start(loop, &w.io);
  nowait(loop, 3);
  is_int(w.calls, 1,
         "same fd number, new empty pipe: no stale event [%s]", be);

  put_byte(new_w);
  nowait(loop, 1);
  is_int(w.calls, 2, "data on the new pipe fires the watcher [%s]", be);
  is_hex(w.revents, EV_READ, "with EV_READ [%s]", be);
  drain(r);
  nowait(loop, 2);
  is_int(w.calls, 2, "quiet again after reading it [%s]", be);

  ev_io_stop(loop, &w.io);
  close(r);
  close(new_w);
  close(old[1]);
}

/* ---- (b) the old description is kept alive by a dup() ----------------- */

struct tick {
  ev_timer timer;
  int fired;
};

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)revents;
  ((struct tick *)w)->fired = 1;
}

static void
test_reuse_dup(struct ev_loop *loop, const char *be)
{
  int old[2], keep, new_w, r;
  struct probe w;
  struct tick t;
  unsigned it0;
  double t0;

  make_pipe(old);
  r = old[0];
  put_byte(old[1]);
  probe_init(&w, r, EV_READ);
  ev_io_start(loop, &w.io);
  nowait(loop, 1);
  is_int(w.calls, 1, "watcher on the old readable pipe fires [%s]", be);

  /* The old pipe stays readable and its description stays open, so a
   * kernel registration keyed by description (epoll) can still report
   * it under the old fd number. */
  ev_io_stop(loop, &w.io);
  keep = dup(r);
  if (keep < 0)
    bail("dup: %s", strerror(errno));
  close(r);
  new_w = fresh_pipe_on(r);
  ev_io_set(&w.io, r, EV_READ);
  ev_io_start(loop, &w.io);
  nowait(loop, 3);
  is_int(w.calls, 1,
         "old description still open and readable: no event for the new "
         "registration [%s]", be);

  /* The loop must keep blocking normally rather than spin on the stale
   * readiness. */
  memset(&t, 0, sizeof t);
  ev_timer_init(&t.timer, tick_cb, 0.1, 0.);
  ev_timer_start(loop, &t.timer);
  it0 = ev_iteration(loop);
  t0 = mono_now();
  run_until(loop, &t.fired, 5.);
  ok(t.fired && w.calls == 1, "a 100 ms wait passes without events [%s]",
     be);
  ok(ev_iteration(loop) - it0 <= 20,
     "and takes few iterations (%u in %.3f s) [%s]",
     ev_iteration(loop) - it0, mono_now() - t0, be);

  put_byte(new_w);
  wait_calls(loop, &w.calls, 2, 2.);
  is_int(w.calls, 2, "data on the new pipe fires the watcher [%s]", be);
  is_hex(w.revents, EV_READ, "with EV_READ [%s]", be);
  drain(r);
  nowait(loop, 2);
  is_int(w.calls, 2, "quiet again after reading it [%s]", be);
  is_int(fcntl(keep, F_GETFD) >= 0, 1, "the dup is still open [%s]", be);
  ev_verify(loop);

  ev_io_stop(loop, &w.io);
  close(keep);
  close(r);
  close(new_w);
  close(old[1]);
}

/* ---- (c) closing fds inside callbacks --------------------------------- */

static void
test_close_in_cb(struct ev_loop *loop, const char *be)
{
  int p[2], q[2], p2[2], q2[2];
  struct probe a, b;

  make_pipe(p);
  make_pipe(q);
  put_byte(p[1]);
  put_byte(q[1]);
  probe_init(&a, p[0], EV_READ);
  probe_init(&b, q[0], EV_READ);
  a.stop_self = a.close_self = 1;
  b.stop_self = b.close_self = 1;
  ev_io_start(loop, &a.io);
  ev_io_start(loop, &b.io);
  nowait(loop, 1);
  ok(a.calls == 1 && b.calls == 1,
     "both ready watchers fire although the first closes its fd [%s]", be);
  ok(a.iter == b.iter, "in the same iteration [%s]", be);

  /* The numbers may now be reused by new, empty pipes. */
  make_pipe(p2);
  make_pipe(q2);
  nowait(loop, 2);
  ok(a.calls == 1 && b.calls == 1, "no events after the close [%s]", be);
  close(p[1]);
  close(q[1]);

  /* Whichever runs first stops the other and closes its fd: the other,
   * although already pending, is never called. */
  put_byte(p2[1]);
  put_byte(q2[1]);
  probe_init(&a, p2[0], EV_READ);
  probe_init(&b, q2[0], EV_READ);
  a.victim = &b;
  b.victim = &a;
  ev_io_start(loop, &a.io);
  ev_io_start(loop, &b.io);
  nowait(loop, 1);
  is_int(a.calls + b.calls, 1,
         "a pending watcher stopped (and its fd closed) by an earlier "
         "callback is not called [%s]", be);
  ev_io_stop(loop, &a.io);
  ev_io_stop(loop, &b.io);
  close(a.calls ? p2[0] : q2[0]);
  nowait(loop, 2);
  is_int(a.calls + b.calls, 1, "nothing fires afterwards [%s]", be);
  ev_verify(loop);
  close(p2[1]);
  close(q2[1]);
}

/* ---- (d) a watcher on a closed fd ------------------------------------- */

enum bad_case {
  CLOSED_BEFORE_REGISTER, /* started, then closed before the loop ran */
  CLOSED_THEN_RESET,      /* registered; stop, close, ev_io_set, start */
  CLOSED_AFTER_REGISTER   /* registered; closed, nothing else changes */
};

static const char *const bad_case_name[] = {
  "closed before the loop registered it",
  "closed, then ev_io_set again",
  "closed after it was registered",
};

struct bad_arg {
  unsigned int backend;
  enum bad_case which;
};

/* Runs in a child: libev aborts on some backends.  Reports what happened
 * as one line on stderr. */
static void
bad_fd_child(void *argp)
{
  const struct bad_arg *arg = argp;
  struct ev_loop *loop = test_loop_new(arg->backend);
  struct probe r, w, good;
  int p[2], g[2];
  int good_before;

  make_pipe(p);
  make_pipe(g);
  if (dup2(p[0], BAD_FD) < 0)
    _exit(90);
  close(p[0]);
  probe_init(&r, BAD_FD, EV_READ);
  probe_init(&w, BAD_FD, EV_WRITE);
  /* A healthy watcher elsewhere shows the loop keeps working. */
  probe_init(&good, g[1], EV_WRITE);
  ev_io_start(loop, &r.io);
  ev_io_start(loop, &w.io);
  ev_io_start(loop, &good.io);

  if (arg->which != CLOSED_BEFORE_REGISTER)
    nowait(loop, 1);
  if (r.calls || w.calls)
    _exit(91);
  close(BAD_FD);
  if (arg->which == CLOSED_THEN_RESET) {
    ev_io_stop(loop, &r.io);
    ev_io_stop(loop, &w.io);
    ev_io_set(&r.io, BAD_FD, EV_READ);
    ev_io_set(&w.io, BAD_FD, EV_WRITE);
    ev_io_start(loop, &r.io);
    ev_io_start(loop, &w.io);
  }
  nowait(loop, 3);
  good_before = good.calls;
  nowait(loop, 1);
  fprintf(stderr,
          "result: r.calls=%d r.revents=%#x r.active=%d "
          "w.calls=%d w.revents=%#x w.active=%d good=%d\n",
          r.calls, (unsigned int)r.revents, ev_is_active(&r.io) ? 1 : 0,
          w.calls, (unsigned int)w.revents, ev_is_active(&w.io) ? 1 : 0,
          good.calls > good_before);
  ev_io_stop(loop, &r.io);
  ev_io_stop(loop, &w.io);
  ev_io_stop(loop, &good.io);
  ev_loop_destroy(loop);
}

struct bad_result {
  int r_calls, r_active, w_calls, w_active, good;
  unsigned int r_revents, w_revents;
};

static int
parse_bad(const struct child_result *res, struct bad_result *o)
{
  const char *s = strstr(res->err, "result: ");
  if (!res->exited || res->status != 0 || !s) {
    diag("child: exited=%d status=%d signaled=%d signo=%d stderr=\"%s\"",
         res->exited, res->status, res->signaled, res->signo, res->err);
    return 0;
  }
  return sscanf(s,
                "result: r.calls=%d r.revents=%x r.active=%d "
                "w.calls=%d w.revents=%x w.active=%d good=%d",
                &o->r_calls, &o->r_revents, &o->r_active, &o->w_calls,
                &o->w_revents, &o->w_active, &o->good) == 7;
}

/* Expectation: both watchers on the bad fd stopped, each called once with
 * EV_ERROR|EV_READ|EV_WRITE whatever its own mask, and the loop goes on. */
static void
expect_error(const struct child_result *res, const char *what,
             const char *be)
{
  struct bad_result o;

  if (!ok(parse_bad(res, &o), "%s: loop survives [%s]", what, be))
    return;
  ok(o.r_calls == 1 && o.w_calls == 1,
     "%s: each watcher on the fd called once (%d, %d) [%s]", what,
     o.r_calls, o.w_calls, be);
  is_hex(o.r_revents, (unsigned int)(EV_ERROR | EV_READ | EV_WRITE),
         "%s: READ watcher gets EV_ERROR|EV_READ|EV_WRITE [%s]", what, be);
  is_hex(o.w_revents, (unsigned int)(EV_ERROR | EV_READ | EV_WRITE),
         "%s: WRITE watcher gets EV_ERROR|EV_READ|EV_WRITE [%s]", what, be);
  ok(!o.r_active && !o.w_active,
     "%s: both watchers are inactive afterwards [%s]", what, be);
  ok(o.good, "%s: other watchers keep firing [%s]", what, be);
}

/* Expectation where the kernel silently forgot the fd (epoll after a
 * close): nothing happens at all. */
static void
expect_silence(const struct child_result *res, const char *what,
               const char *be)
{
  struct bad_result o;

  if (!ok(parse_bad(res, &o), "%s: loop survives [%s]", what, be))
    return;
  ok(o.r_calls == 0 && o.w_calls == 0,
     "%s: no callback, epoll dropped the fd silently [%s]", what, be);
  ok(o.r_active && o.w_active, "%s: watchers remain active [%s]", what, be);
  ok(o.good, "%s: other watchers keep firing [%s]", what, be);
}

static void
test_bad_fd(unsigned int backend, const char *be)
{
  int which;

  for (which = 0; which < 3; ++which) {
    struct bad_arg arg;
    struct child_result res;
    const char *what = bad_case_name[which];

    arg.backend = backend;
    arg.which = (enum bad_case)which;
    run_in_child(bad_fd_child, &arg, 10., &res);

    /* Once registered, epoll forgets a closed fd without telling anyone,
     * so neither library can notice it; that is the only silent case. */
    if (which == CLOSED_AFTER_REGISTER && backend_forgets_closed_fds(backend)) {
      expect_silence(&res, what, be);
      continue;
    }
    /* libev reports the bad fd only on select and asserts on the others
     * (EBADF from epoll_ctl, POLLNVAL from poll). */
    if (test_on_libev() && backend != EVBACKEND_SELECT) {
      ok(aborted_with(&res, NULL), "%s: libev aborts [%s]", what, be);
      continue;
    }
    expect_error(&res, what, be);
  }
}

/* ---- (e) regular files ------------------------------------------------ */

struct counter {
  ev_io io;
  int calls;
  int revents;
  int limit; /* stop after this many calls, if nonzero */
};

static void
counter_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct counter *c = (struct counter *)w;
  ++c->calls;
  c->revents = revents;
  if (c->limit && c->calls >= c->limit)
    ev_io_stop(loop, w);
}

static int
open_regular_file(void)
{
  const char *dir = getenv("TMPDIR");
  char path[4096];
  int fd;

  if (!dir || !*dir || strlen(dir) > sizeof path - 32)
    dir = "/tmp";
  snprintf(path, sizeof path, "%s/evix-io-file-XXXXXX", dir);
  fd = mkstemp(path);
  if (fd < 0)
    bail("mkstemp(%s): %s", path, strerror(errno));
  unlink(path);
  if (write(fd, "some bytes\n", 11) != 11)
    bail("write: %s", strerror(errno));
  /* A fixed number, so that it can be reused deliberately below. */
  if (dup3(fd, FILE_FD, O_CLOEXEC) < 0)
    bail("dup3: %s", strerror(errno));
  close(fd);
  return FILE_FD;
}

static void
test_regular_file(struct ev_loop *loop, const char *be)
{
  int fd = open_regular_file();
  struct counter c;
  struct tick guard;
  double t0;
  int i, w_pipe;

  memset(&c, 0, sizeof c);
  ev_io_init(&c.io, counter_cb, fd, EV_READ);
  ev_io_start(loop, &c.io);
  nowait(loop, 5);
  is_int(c.calls, 5, "regular file is readable in every iteration [%s]",
         be);
  is_hex(c.revents, EV_READ, "with EV_READ [%s]", be);

  /* It must not block the loop even with a long timer around. */
  memset(&guard, 0, sizeof guard);
  ev_timer_init(&guard.timer, tick_cb, 10., 0.);
  ev_timer_start(loop, &guard.timer);
  t0 = mono_now();
  for (i = 0; i < 5; ++i)
    ev_run(loop, EVRUN_ONCE);
  ok(mono_now() - t0 < 5.,
     "EVRUN_ONCE does not block while it is ready (%.3f s) [%s]",
     mono_now() - t0, be);
  is_int(c.calls, 10, "and fires once per EVRUN_ONCE [%s]", be);
  ev_timer_stop(loop, &guard.timer);

  ev_io_stop(loop, &c.io);
  ev_io_set(&c.io, fd, EV_READ | EV_WRITE);
  ev_io_start(loop, &c.io);
  nowait(loop, 1);
  is_hex(c.revents, EV_READ | EV_WRITE,
         "READ|WRITE on a regular file gives both [%s]", be);

  /* ev_run(0) returns once the watcher stops itself: no endless spin. */
  ev_io_stop(loop, &c.io);
  c.calls = 0;
  c.limit = 20;
  ev_io_set(&c.io, fd, EV_READ);
  ev_io_start(loop, &c.io);
  t0 = mono_now();
  ev_run(loop, 0);
  is_int(c.calls, 20, "ev_run(0) runs until the watcher stops itself [%s]",
         be);
  ok(mono_now() - t0 < 5., "and returns promptly [%s]", be);
  nowait(loop, 2);
  is_int(c.calls, 20, "stopped watcher is not called again [%s]", be);

  /* The same number reused for an empty pipe must not inherit the
   * always-ready state of the file. */
  close(fd);
  w_pipe = fresh_pipe_on(fd);
  c.limit = 0;
  c.calls = 0;
  ev_io_set(&c.io, fd, EV_READ);
  ev_io_start(loop, &c.io);
  nowait(loop, 3);
  is_int(c.calls, 0,
         "fd number of a file reused by an empty pipe: quiet [%s]", be);
  put_byte(w_pipe);
  nowait(loop, 1);
  is_int(c.calls, 1, "and fires when the pipe gets data [%s]", be);
  ev_io_stop(loop, &c.io);
  close(fd);
  close(w_pipe);
  ev_verify(loop);
}

static void
run_backend(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  const char *be = b->name;

  test_reuse_plain(loop, be);
  test_reuse_dup(loop, be);
  test_close_in_cb(loop, be);
  test_regular_file(loop, be);
  ev_verify(loop);
  ev_loop_destroy(loop);
  test_bad_fd(b->flag, be);
}

int
main(void)
{
  tap_start(60);
  for_each_backend(run_backend);
  return 0;
}
