/* iouring_backend.c - the situations the io_uring backend handles inside,
 * run on every backend so that each is held to the same expectations.
 *
 * io_uring registers interest as poll requests that name an fd only when
 * they are submitted, complete once and are re-armed, hold their file open
 * until they complete or are cancelled, and are submitted in batches with
 * the wait.  So the cases are: a completion for a file the fd number no
 * longer names; watchers stopped, restarted and changed while their
 * request is still queued; a closed file that must really close; more
 * completions than the completion queue holds; fork; a signal during the
 * wait; and an io_uring loop embedded in another loop.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct probe {
  ev_io io;
  int calls;
  int revents;
  unsigned iter;
  int drain;     /* read what is there */
  int stop_self; /* stop in the callback */
};

static void
probe_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct probe *p = (struct probe *)w;
  char buf[256];

  ++p->calls;
  p->revents = revents;
  p->iter = ev_iteration(loop);
  if (p->drain)
    while (read(w->fd, buf, sizeof buf) > 0)
      ;
  if (p->stop_self)
    ev_io_stop(loop, w);
}

static void
probe_init(struct probe *p, int fd, int events)
{
  memset(p, 0, sizeof *p);
  ev_io_init(&p->io, probe_cb, fd, events);
}

/* ---- a completion for the file an fd number named before ---------------- */

struct switcher {
  ev_timer timer;
  struct probe *w;
  int old_writer; /* write end of the pipe w watches now */
  int keep;       /* a dup of w's fd, keeping the old pipe open */
  int new_writer; /* write end of the pipe put in its place */
};

/* In one callback: make the watched pipe readable, then move the watcher
 * to a new, empty pipe under the same fd number. */
static void
switch_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
  struct switcher *s = (struct switcher *)t;
  int fd = s->w->io.fd, p[2];

  (void)revents;
  put_byte(s->old_writer);
  ev_io_stop(loop, &s->w->io);
  s->keep = dup(fd);
  make_pipe(p);
  if (s->keep < 0 || dup3(p[0], fd, O_CLOEXEC) < 0)
    bail("dup: %s", strerror(errno));
  close(p[0]);
  s->new_writer = p[1];
  ev_io_set(&s->w->io, fd, EV_READ);
  ev_io_start(loop, &s->w->io);
}

static void
test_stale_completion(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  struct switcher s;
  struct probe w;
  int p[2];

  make_pipe(p);
  probe_init(&w, p[0], EV_READ);
  w.drain = 1;
  ev_io_start(loop, &w.io);
  run_nowait(loop, 1); /* registered, nothing to read */

  memset(&s, 0, sizeof s);
  s.w = &w;
  s.old_writer = p[1];
  ev_timer_init(&s.timer, switch_cb, 0., 0.);
  ev_timer_start(loop, &s.timer);
  run_nowait(loop, 4);
  is_int(w.calls, 0, "readiness of the old pipe, reached just before the "
         "fd number was moved to a new pipe, is not reported [%s]",
         b->name);

  /* More data for the old pipe, whose description is still open. */
  put_byte(p[1]);
  run_nowait(loop, 2);
  is_int(w.calls, 0, "nor is later data in the old pipe [%s]", b->name);

  put_byte(s.new_writer);
  run_nowait(loop, 2);
  is_int(w.calls, 1, "data in the new pipe is [%s]", b->name);
  is_hex(w.revents, EV_READ, "as EV_READ [%s]", b->name);
  ev_verify(loop);

  /* The same between two iterations: the pipe becomes readable, then
   * the number is closed and reopened before the loop runs again. */
  w.calls = 0;
  ev_run(loop, EVRUN_NOWAIT);
  close(s.keep);
  close(p[1]);
  s.old_writer = s.new_writer;
  switch_cb(loop, &s.timer, 0);
  run_nowait(loop, 3);
  is_int(w.calls, 0, "between iterations too: the old pipe's readiness "
         "is not reported for the new one [%s]", b->name);
  put_byte(s.new_writer);
  run_nowait(loop, 2);
  is_int(w.calls, 1, "and the new pipe's is [%s]", b->name);

  ev_io_stop(loop, &w.io);
  ev_loop_destroy(loop);
  close(w.io.fd);
  close(s.keep);
  close(s.old_writer);
  close(s.new_writer);
}

/* ---- changes while the kernel has not seen the request yet -------------- */

struct changer {
  ev_prepare prepare;
  int step;
  struct probe *w;
  int alt_fd;
};

/* Runs at the start of every iteration, before the fd changes go to the
 * backend: the watcher's re-arm from the iteration before (io_uring) is
 * still queued then. */
static void
change_cb(struct ev_loop *loop, ev_prepare *pr, int revents)
{
  struct changer *c = (struct changer *)pr;
  ev_io *io = &c->w->io;
  int fd = io->fd;

  (void)revents;
  switch (c->step++) {
  case 0:
    break;
  case 1:
    /* stop and start again: the same request */
    ev_io_stop(loop, io);
    ev_io_start(loop, io);
    break;
  case 2:
    /* to another fd and back in one go */
    ev_io_stop(loop, io);
    ev_io_set(io, c->alt_fd, EV_READ);
    ev_io_start(loop, io);
    ev_io_stop(loop, io);
    ev_io_set(io, fd, EV_READ);
    ev_io_start(loop, io);
    break;
  case 3:
    /* READ to WRITE */
    ev_io_stop(loop, io);
    ev_io_set(io, fd, EV_WRITE);
    ev_io_start(loop, io);
    break;
  default:
    ev_prepare_stop(loop, pr);
  }
}

static void
test_queued_changes(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  struct changer c;
  struct probe w, alt;
  int sv[2], q[2], calls;
  unsigned it;

  make_socketpair(sv);
  make_pipe(q);
  probe_init(&w, sv[0], EV_READ);
  probe_init(&alt, q[0], EV_READ);
  ev_io_start(loop, &w.io);
  ev_io_start(loop, &alt.io);
  put_byte(sv[1]); /* w's fd stays readable: nobody reads it */
  put_byte(q[1]);  /* and so does alt's */

  memset(&c, 0, sizeof c);
  c.w = &w;
  c.alt_fd = q[0];
  ev_prepare_init(&c.prepare, change_cb);
  ev_prepare_start(loop, &c.prepare);

  it = ev_iteration(loop);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(w.calls, 1, "unread data: reported in the first iteration [%s]",
         b->name);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(w.calls, 2, "and again after a stop and start in the iteration "
         "before [%s]", b->name);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(w.calls, 3, "and again after a move to another fd and back [%s]",
         b->name);
  is_hex(w.revents, EV_READ, "as EV_READ [%s]", b->name);
  calls = w.calls;
  ev_run(loop, EVRUN_NOWAIT);
  ok(w.calls == calls + 1 && w.revents == EV_WRITE,
     "after the change to EV_WRITE: one call, EV_WRITE only (%d, %#x) [%s]",
     w.calls - calls, (unsigned)w.revents, b->name);
  is_int(ev_iteration(loop) - it, 4, "one call per iteration [%s]", b->name);
  ev_prepare_stop(loop, &c.prepare);
  is_int(alt.calls, 4, "the other watcher on the fd borrowed in between "
         "fired in every iteration [%s]", b->name);

  /* Stopped in its own callback with data left: silence, until started
   * again in a later iteration. */
  ev_io_stop(loop, &w.io);
  ev_io_set(&w.io, sv[0], EV_READ);
  w.calls = 0;
  w.stop_self = 1;
  ev_io_start(loop, &w.io);
  run_nowait(loop, 3);
  is_int(w.calls, 1, "a watcher that stops itself is called once [%s]",
         b->name);
  w.stop_self = 0;
  ev_io_start(loop, &w.io);
  run_nowait(loop, 1);
  is_int(w.calls, 2, "started again later, it reports the data still "
         "there [%s]", b->name);
  ev_verify(loop);

  ev_io_stop(loop, &w.io);
  ev_io_stop(loop, &alt.io);
  ev_loop_destroy(loop);
  close(sv[0]);
  close(sv[1]);
  close(q[0]);
  close(q[1]);
}

/* ---- a closed file really closes ---------------------------------------- */

static int
peer_sees_eof(int fd)
{
  struct pollfd p = { fd, POLLIN, 0 };
  char c;

  return poll(&p, 1, 0) == 1 && read(fd, &c, 1) == 0;
}

struct closer {
  ev_timer timer;
  ev_io *w;
};

static void
closer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
  struct closer *c = (struct closer *)t;

  (void)revents;
  ev_io_stop(loop, c->w);
  close(c->w->fd);
}

static void
test_close_releases(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  struct closer c;
  struct probe w;
  int sv[2];

  /* Stopped and closed in a callback: the next iteration lets go. */
  make_socketpair(sv);
  probe_init(&w, sv[0], EV_READ);
  ev_io_start(loop, &w.io);
  run_nowait(loop, 1);
  c.w = &w.io;
  ev_timer_init(&c.timer, closer_cb, 0., 0.);
  ev_timer_start(loop, &c.timer);
  run_nowait(loop, 1);
  run_nowait(loop, 1);
  ok(peer_sees_eof(sv[1]), "a socket stopped and closed in a callback is "
     "closed after the next iteration: the peer reads EOF [%s]", b->name);
  close(sv[1]);

  /* Closed while its watcher is still active, then the loop is
   * destroyed: nothing may keep the socket open. */
  make_socketpair(sv);
  probe_init(&w, sv[0], EV_READ);
  ev_io_start(loop, &w.io);
  run_nowait(loop, 1);
  close(sv[0]);
  ev_loop_destroy(loop);
  ok(peer_sees_eof(sv[1]), "after ev_loop_destroy the closed socket is "
     "closed: the peer reads EOF [%s]", b->name);
  close(sv[1]);
}

/* ---- 10^4 fds at once --------------------------------------------------- */

#define PAIRS 5000

static int
raise_fd_limit(int need)
{
  struct rlimit rl;

  if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
    return 0;
  if (rl.rlim_cur >= (rlim_t)need)
    return 1;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)need)
    return 0;
  rl.rlim_cur = (rlim_t)need;
  return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

static void
test_many(const struct test_backend *b)
{
  struct ev_loop *loop;
  struct probe *w;
  int (*sv)[2];
  int i, total, once, rounds;
  double t0;

  if (b->flag == EVBACKEND_SELECT) {
    skip("select cannot watch fds above FD_SETSIZE", "10^4 fds [%s]",
         b->name);
    return;
  }
  if (!raise_fd_limit(2 * PAIRS + 200)) {
    skip("the fd limit is below 10200", "10^4 fds [%s]", b->name);
    return;
  }
  loop = test_loop_new(b->flag);
  w = calloc(2 * PAIRS, sizeof *w);
  sv = calloc(PAIRS, sizeof *sv);
  if (!w || !sv)
    bail("calloc");
  for (i = 0; i < PAIRS; ++i)
    make_socketpair(sv[i]);

  /* Every end is writable at once: far more completions than an io_uring
   * completion queue holds.  Each watcher stops itself. */
  for (i = 0; i < 2 * PAIRS; ++i) {
    probe_init(&w[i], sv[i / 2][i % 2], EV_WRITE);
    w[i].stop_self = 1;
    ev_io_start(loop, &w[i].io);
  }
  t0 = mono_now();
  rounds = 0;
  do {
    ev_run(loop, EVRUN_NOWAIT);
    for (i = total = 0; i < 2 * PAIRS; ++i)
      total += w[i].calls > 0;
  } while (total < 2 * PAIRS && ++rounds < 1000 && mono_now() - t0 < 20.);
  for (i = 0, once = 1; i < 2 * PAIRS; ++i)
    once &= w[i].calls == 1 && w[i].revents == EV_WRITE;
  is_int(total, 2 * PAIRS, "10^4 writable fds: every watcher called (%d "
         "iterations) [%s]", rounds + 1, b->name);
  ok(once, "each once, with EV_WRITE [%s]", b->name);

  /* Now for reading, every other pair made readable from both ends. */
  for (i = 0; i < 2 * PAIRS; ++i) {
    probe_init(&w[i], sv[i / 2][i % 2], EV_READ);
    w[i].drain = 1;
    ev_io_start(loop, &w[i].io);
  }
  run_nowait(loop, 1);
  for (i = total = 0; i < 2 * PAIRS; ++i)
    total += w[i].calls;
  is_int(total, 0, "10^4 idle fds: nothing fires [%s]", b->name);
  for (i = 0; i < PAIRS; i += 2) {
    put_byte(sv[i][0]);
    put_byte(sv[i][1]);
  }
  t0 = mono_now();
  rounds = 0;
  do {
    ev_run(loop, EVRUN_NOWAIT);
    for (i = total = 0; i < 2 * PAIRS; ++i)
      total += w[i].calls;
  } while (total < PAIRS && ++rounds < 1000 && mono_now() - t0 < 20.);
  run_nowait(loop, 2);
  for (i = 0, once = 1; i < 2 * PAIRS; ++i)
    once &= w[i].calls == ((i / 2) % 2 == 0);
  ok(once, "5000 of them readable at once: exactly those fire, once each "
     "[%s]", b->name);
  ev_verify(loop);

  for (i = 0; i < 2 * PAIRS; ++i)
    ev_io_stop(loop, &w[i].io);
  for (i = 0; i < PAIRS; ++i) {
    close(sv[i][0]);
    close(sv[i][1]);
  }
  t0 = mono_now();
  ev_loop_destroy(loop);
  diag("ev_loop_destroy after closing 10^4 fds: %.1f ms [%s]",
       (mono_now() - t0) * 1e3, b->name);
  free(w);
  free(sv);
}

/* ---- fork ------------------------------------------------------------------ */

enum fork_mode { CHILD_FORK, CHILD_FORKCHECK, CHILD_DESTROY_ONLY };

static const char *const fork_mode_name[] = {
  "ev_loop_fork", "EVFLAG_FORKCHECK", "child only destroys the loop"
};

struct fork_ctx {
  struct ev_loop *loop;
  enum fork_mode mode;
  struct probe *in;  /* the child waits for a byte here */
  int report;        /* the child writes what it saw here */
};

static void
fork_child(void *arg)
{
  struct fork_ctx *c = arg;
  double t0 = mono_now();
  char msg = 'n';

  if (c->mode == CHILD_DESTROY_ONLY) {
    ev_loop_destroy(c->loop);
    msg = 'd';
  } else {
    if (c->mode == CHILD_FORK)
      ev_loop_fork(c->loop);
    c->in->calls = 0;
    while (!c->in->calls && mono_now() - t0 < 5.)
      ev_run(c->loop, EVRUN_ONCE);
    if (c->in->calls == 1 && c->in->revents == EV_READ)
      msg = 'y';
  }
  if (write(c->report, &msg, 1) != 1)
    _exit(3);
}

static void
test_fork(const struct test_backend *b)
{
  int mode;

  for (mode = 0; mode < 3; ++mode) {
    unsigned int flags = b->flag | (mode == CHILD_FORKCHECK
                                    ? (unsigned)EVFLAG_FORKCHECK : 0u);
    struct ev_loop *loop = test_loop_new(flags);
    struct probe in, rep;
    struct fork_ctx c;
    struct child_result res;
    int p[2], r[2];
    char msg = '?';
    const char *how = fork_mode_name[mode];

    make_pipe(p);
    make_pipe(r);
    probe_init(&in, p[0], EV_READ);
    probe_init(&rep, r[0], EV_READ);
    in.drain = 1;
    ev_io_start(loop, &in.io);
    ev_io_start(loop, &rep.io);
    run_nowait(loop, 1); /* everything registered before the fork */
    put_byte(p[1]);  /* the child's event, which the parent must not eat */

    c.loop = loop;
    c.mode = (enum fork_mode)mode;
    c.in = &in;
    c.report = r[1];
    run_in_child(fork_child, &c, 10., &res);
    ok(res.exited && res.status == 0, "%s: the child ran and exited [%s]",
       how, b->name);
    if (!res.exited || res.status)
      diag("child: signaled=%d signo=%d stderr=%s", res.signaled, res.signo,
           res.err);

    /* The parent's registrations survived the child: the child's report
     * arrives through a watcher set up before the fork. */
    wait_calls(loop, &rep.calls, 1, 5.);
    if (read(r[0], &msg, 1) != 1)
      msg = '?';
    is_int(rep.calls, 1, "%s: the parent's watcher registered before the "
           "fork sees the child's report [%s]", how, b->name);
    if (mode == CHILD_DESTROY_ONLY)
      is_int(msg, 'd', "%s: destroying the inherited loop works [%s]", how,
             b->name);
    else
      is_int(msg, 'y', "%s: the child's loop gets the io event [%s]", how,
             b->name);

    /* The parent goes on as before; the child read the pending byte (or
     * not, when it only destroyed the loop). */
    in.calls = 0;
    put_byte(p[1]);
    wait_calls(loop, &in.calls, 1, 5.);
    is_int(in.calls, 1, "%s: the parent's io watcher still works [%s]", how,
           b->name);
    ev_verify(loop);

    ev_io_stop(loop, &in.io);
    ev_io_stop(loop, &rep.io);
    ev_loop_destroy(loop);
    close(p[0]);
    close(p[1]);
    close(r[0]);
    close(r[1]);
  }
}

/* ---- a signal during the wait -------------------------------------------- */

static volatile sig_atomic_t usr1_count;
static int syserr_count;

static void
on_usr1(int sig)
{
  (void)sig;
  ++usr1_count;
}

static void
count_syserr(const char *msg)
{
  (void)msg;
  ++syserr_count;
}

struct interrupter {
  pthread_t target;
  int fd;
};

static void *
interrupter_main(void *arg)
{
  struct interrupter *in = arg;
  struct timespec first = { 0, 100 * 1000 * 1000 };
  struct timespec second = { 0, 500 * 1000 * 1000 };

  nanosleep(&first, NULL);
  pthread_kill(in->target, SIGUSR1);
  nanosleep(&second, NULL);
  put_byte(in->fd);
  return NULL;
}

static void
test_eintr(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  struct sigaction sa, old;
  struct interrupter in;
  struct probe w;
  pthread_t th;
  unsigned it;
  double t0, dt;
  int p[2], r;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART */
  sigaction(SIGUSR1, &sa, &old);
  ev_set_syserr_cb(count_syserr);
  usr1_count = 0;
  syserr_count = 0;

  make_pipe(p);
  probe_init(&w, p[0], EV_READ);
  w.drain = 1;
  ev_io_start(loop, &w.io);
  in.target = pthread_self();
  in.fd = p[1];

  /* Blocked with nothing but an idle pipe: only the signal (at 100 ms)
   * and then the byte (at 600 ms) can end the waits. */
  run_nowait(loop, 1);
  it = ev_iteration(loop);
  t0 = mono_now();
  if (pthread_create(&th, NULL, interrupter_main, &in))
    bail("pthread_create");
  r = ev_run(loop, EVRUN_ONCE);
  dt = mono_now() - t0;
  ok(usr1_count == 1 && w.calls == 0 && dt < 0.5,
     "a signal ends the blocked wait: handler ran, no io yet (%.3f s) [%s]",
     dt, b->name);
  is_int(r, 1, "ev_run(ONCE) returns with the watcher still active [%s]",
         b->name);
  is_int(ev_iteration(loop) - it, 1, "after one iteration [%s]", b->name);
  wait_calls(loop, &w.calls, 1, 5.);
  pthread_join(th, NULL);
  dt = mono_now() - t0;
  ok(w.calls == 1 && w.revents == EV_READ,
     "the io event after the interruption is delivered (%.3f s) [%s]", dt,
     b->name);
  is_int(syserr_count, 0, "EINTR is no system error [%s]", b->name);

  ev_set_syserr_cb(NULL);
  sigaction(SIGUSR1, &old, NULL);
  ev_io_stop(loop, &w.io);
  ev_loop_destroy(loop);
  close(p[0]);
  close(p[1]);
}

/* ---- an io_uring loop embedded in another loop ------------------------- */

static int embedded_calls;

static void
embedded_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  char buf[16];

  (void)loop;
  (void)revents;
  ++embedded_calls;
  while (read(w->fd, buf, sizeof buf) > 0)
    ;
}

static void
test_embed(const struct test_backend *b)
{
  struct ev_loop *outer, *inner;
  ev_embed e;
  ev_io w;
  int p[2], i, each = 1, total = 0;

  if (!(ev_supported_backends() & EVBACKEND_IOURING) || test_on_libev()) {
    skip("no io_uring loop to embed", "an io_uring loop embedded in a %s "
         "loop [%s]", b->name, b->name);
    return;
  }
  outer = test_loop_new(b->flag);
  inner = test_loop_new(EVBACKEND_IOURING);
  make_pipe(p);
  ev_io_init(&w, embedded_cb, p[0], EV_READ);
  ev_io_start(inner, &w);
  ev_embed_init(&e, NULL, inner);
  ev_embed_start(outer, &e);

  /* Every event must wake the outer loop, which means the inner loop's
   * re-armed request must reach the kernel before the outer one blocks. */
  embedded_calls = 0;
  for (i = 0; i < 5; ++i) {
    int before = embedded_calls;
    put_byte(p[1]);
    wait_calls(outer, &embedded_calls, before + 1, 2.);
    each &= embedded_calls == before + 1;
  }
  total = embedded_calls;
  ok(each && total == 5, "each of 5 events in the embedded io_uring loop "
     "runs its callback once, through the %s loop (%d) [%s]", b->name,
     total, b->name);

  ev_embed_stop(outer, &e);
  ev_io_stop(inner, &w);
  ev_loop_destroy(inner);
  ev_loop_destroy(outer);
  close(p[0]);
  close(p[1]);
}

static void
one_backend(const struct test_backend *b)
{
  test_stale_completion(b);
  test_queued_changes(b);
  test_close_releases(b);
  test_many(b);
  test_fork(b);
  test_eintr(b);
  test_embed(b);
}

int
main(void)
{
  tap_start(240);
  signal(SIGPIPE, SIG_IGN);
  for_each_backend(one_backend);
  return 0;
}
