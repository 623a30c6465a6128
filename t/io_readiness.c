/* io_readiness.c - when ev_io watchers fire, and with which revents.
 *
 * Covers readiness for READ and WRITE, several watchers on one fd, level
 * triggering, starting and stopping from callbacks, changing the mask of a
 * stopped watcher, the zero mask, the EV__IOFDSET bit in the events field,
 * ev_feed_fd_event, and a thousand fds watched at once.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* An io watcher that records what happened to it. */
struct probe {
  ev_io io;
  int calls;
  int revents;     /* revents of the last call */
  int all_revents; /* OR of the revents of every call */
  unsigned iter;   /* ev_iteration() at the last call */
  int stop_self;   /* stop the watcher in the callback */
  int drain;       /* read everything available in the callback */
  struct probe *start_other; /* start this watcher in the first call */
};

static void
probe_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct probe *p = (struct probe *)w;
  char buf[4096];

  ++p->calls;
  p->revents = revents;
  p->all_revents |= revents;
  p->iter = ev_iteration(loop);
  if (p->drain)
    while (read(w->fd, buf, sizeof buf) > 0)
      ;
  if (p->stop_self)
    ev_io_stop(loop, w);
  if (p->start_other) {
    ev_io_start(loop, &p->start_other->io);
    p->start_other = NULL;
  }
}

static void
probe_init(struct probe *p, int fd, int events)
{
  memset(p, 0, sizeof *p);
  ev_io_init(&p->io, probe_cb, fd, events);
}

static void
close_pair(int fds[2])
{
  close(fds[0]);
  close(fds[1]);
}

/* ---- READ fires when data arrives, and not before ---------------------- */

struct writer {
  ev_timer timer;
  int fd;
  unsigned iter; /* ev_iteration() when the byte was written */
  double when;   /* mono_now() when the byte was written */
};

static void
writer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  struct writer *wr = (struct writer *)w;
  (void)revents;
  put_byte(wr->fd);
  wr->iter = ev_iteration(loop);
  wr->when = mono_now();
}

struct stamp_probe {
  struct probe p;
  double when;
};

static void
stamp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct stamp_probe *s = (struct stamp_probe *)w;
  s->when = mono_now();
  probe_cb(loop, w, revents);
}

static void
test_read(struct ev_loop *loop, const char *be)
{
  int sp[2];
  struct stamp_probe r;
  struct writer wr;

  make_socketpair(sp);
  memset(&r, 0, sizeof r);
  ev_io_init(&r.p.io, stamp_cb, sp[0], EV_READ);
  r.p.drain = 1;
  ev_io_start(loop, &r.p.io);
  run_nowait(loop, 3);
  is_int(r.p.calls, 0, "READ watcher is quiet while no data is there [%s]",
         be);

  memset(&wr, 0, sizeof wr);
  wr.fd = sp[1];
  ev_timer_init(&wr.timer, writer_cb, 0.03, 0.);
  ev_timer_start(loop, &wr.timer);
  run_until(loop, &r.p.calls, 5.);
  is_int(r.p.calls, 1, "READ watcher fires once data arrives [%s]", be);
  is_hex(r.p.revents, EV_READ, "revents is exactly EV_READ [%s]", be);
  ok(wr.when > 0 && r.when >= wr.when,
     "READ callback did not run before the data was written [%s]", be);
  is_int(r.p.iter, wr.iter + 1,
         "READ fires on the first poll after the write [%s]", be);
  run_nowait(loop, 2);
  is_int(r.p.calls, 1, "no further READ after the data was consumed [%s]",
         be);
  ok(ev_is_active(&r.p.io), "watcher stays active after firing [%s]", be);

  ev_io_stop(loop, &r.p.io);
  close_pair(sp);
}

/* ---- WRITE fires on a writable socket, not on a full one ------------- */

static void
test_write(struct ev_loop *loop, const char *be)
{
  int sp[2];
  struct probe w;
  char buf[4096];
  int filled = 0;

  make_socketpair(sp);
  probe_init(&w, sp[0], EV_WRITE);
  ev_io_start(loop, &w.io);
  run_nowait(loop, 1);
  is_int(w.calls, 1, "WRITE fires on a writable socket [%s]", be);
  is_hex(w.revents, EV_WRITE, "revents is exactly EV_WRITE [%s]", be);

  memset(buf, 'y', sizeof buf);
  while (write(sp[0], buf, sizeof buf) > 0)
    filled = 1;
  ok(filled && errno == EAGAIN, "socket send buffer filled up [%s]", be);
  w.calls = 0;
  run_nowait(loop, 2);
  is_int(w.calls, 0, "WRITE is quiet while the socket is full [%s]", be);

  drain(sp[1]);
  run_nowait(loop, 1);
  is_int(w.calls, 1, "WRITE fires again once the peer drained [%s]", be);
  is_hex(w.revents, EV_WRITE, "revents after draining is EV_WRITE [%s]", be);

  ev_io_stop(loop, &w.io);
  close_pair(sp);
}

/* ---- several watchers on one fd --------------------------------------- */

static void
test_shared_fd(struct ev_loop *loop, const char *be)
{
  int sp[2];
  struct probe r, w, r2, rw;

  make_socketpair(sp);

  /* Writable but no data: only the WRITE side may hear about it. */
  probe_init(&r, sp[0], EV_READ);
  probe_init(&w, sp[0], EV_WRITE);
  probe_init(&rw, sp[0], EV_READ | EV_WRITE);
  ev_io_start(loop, &r.io);
  ev_io_start(loop, &w.io);
  ev_io_start(loop, &rw.io);
  run_nowait(loop, 1);
  is_int(r.calls, 0, "READ watcher ignores writability of its fd [%s]", be);
  is_int(w.calls, 1, "WRITE watcher on the same fd fires [%s]", be);
  is_hex(w.revents, EV_WRITE, "WRITE watcher gets EV_WRITE only [%s]", be);
  is_hex(rw.revents, EV_WRITE,
         "READ|WRITE watcher gets only the ready half, EV_WRITE [%s]", be);

  /* Readable and writable: each gets its own mask. */
  put_byte(sp[1]);
  r.calls = w.calls = rw.calls = 0;
  run_nowait(loop, 1);
  is_int(r.calls, 1, "READ watcher fires when data is there [%s]", be);
  is_hex(r.revents, EV_READ, "READ watcher gets EV_READ only [%s]", be);
  is_int(w.calls, 1, "WRITE watcher fires in the same iteration [%s]", be);
  is_hex(w.revents, EV_WRITE,
         "WRITE watcher still gets EV_WRITE only [%s]", be);
  is_hex(rw.revents, EV_READ | EV_WRITE,
         "READ|WRITE watcher gets both [%s]", be);
  ok(r.iter == w.iter && w.iter == rw.iter,
     "all three fired in one iteration [%s]", be);
  ev_io_stop(loop, &w.io);
  ev_io_stop(loop, &rw.io);

  /* Two READ watchers on one fd both fire. */
  probe_init(&r2, sp[0], EV_READ);
  ev_io_start(loop, &r2.io);
  r.calls = 0;
  run_nowait(loop, 1);
  ok(r.calls == 1 && r2.calls == 1,
     "two READ watchers on one fd both fire (%d, %d) [%s]", r.calls,
     r2.calls, be);
  ok(r.revents == EV_READ && r2.revents == EV_READ,
     "both READ watchers get EV_READ [%s]", be);

  /* Stopping one of them leaves the other working. */
  ev_io_stop(loop, &r.io);
  r.calls = r2.calls = 0;
  run_nowait(loop, 1);
  ok(r.calls == 0 && r2.calls == 1,
     "after stopping one, only the other fires [%s]", be);
  ev_io_stop(loop, &r2.io);
  drain(sp[0]);
  close_pair(sp);
}

/* ---- level triggering and stopping in the callback ------------------ */

static void
test_level(struct ev_loop *loop, const char *be)
{
  int sp[2];
  struct probe r, s;
  unsigned first;

  make_socketpair(sp);
  put_byte(sp[1]);

  probe_init(&r, sp[0], EV_READ);
  ev_io_start(loop, &r.io);
  run_nowait(loop, 1);
  first = r.iter;
  run_nowait(loop, 2);
  is_int(r.calls, 3, "unread data fires again every iteration [%s]", be);
  is_int(r.iter, first + 2, "one call per iteration [%s]", be);
  drain(sp[0]);
  run_nowait(loop, 2);
  is_int(r.calls, 3, "quiet again once the data was read [%s]", be);
  ev_io_stop(loop, &r.io);

  put_byte(sp[1]);
  probe_init(&s, sp[0], EV_READ);
  s.stop_self = 1;
  ev_io_start(loop, &s.io);
  run_nowait(loop, 3);
  is_int(s.calls, 1, "stopping in the callback stops further events [%s]",
         be);
  ok(!ev_is_active(&s.io), "watcher inactive after stopping itself [%s]",
     be);

  /* Restarting it picks the still-unread data up again. */
  s.stop_self = 0;
  ev_io_start(loop, &s.io);
  run_nowait(loop, 1);
  is_int(s.calls, 2, "restarted watcher sees the unread data [%s]", be);
  ev_io_stop(loop, &s.io);
  close_pair(sp);
}

/* ---- starting a second watcher from a callback ------------------------ */

static void
test_start_in_cb(struct ev_loop *loop, const char *be)
{
  int sp[2];
  struct probe a, b, c;

  make_socketpair(sp);
  put_byte(sp[1]);
  probe_init(&a, sp[0], EV_READ);
  probe_init(&b, sp[0], EV_READ);
  probe_init(&c, sp[0], EV_WRITE);
  a.start_other = &b;
  ev_io_start(loop, &a.io);
  run_nowait(loop, 1);
  ok(a.calls == 1 && ev_is_active(&b.io),
     "callback started a second READ watcher on its fd [%s]", be);
  is_int(b.calls, 0,
         "watcher started in a callback is not called in that iteration "
         "[%s]", be);
  run_nowait(loop, 1);
  is_int(b.calls, 1, "it fires on the next iteration [%s]", be);
  is_hex(b.revents, EV_READ, "with EV_READ [%s]", be);
  is_int(a.calls, 2, "the first watcher keeps firing too [%s]", be);

  /* A WRITE watcher started from a READ callback on the same fd. */
  b.start_other = &c;
  run_nowait(loop, 2);
  ok(c.calls == 1 && c.revents == EV_WRITE,
     "WRITE watcher started from a callback fires with EV_WRITE [%s]", be);
  ev_io_stop(loop, &a.io);
  ev_io_stop(loop, &b.io);
  ev_io_stop(loop, &c.io);
  close_pair(sp);
}

/* ---- changing the mask of a stopped watcher -------------------------- */

static void
test_modify(struct ev_loop *loop, const char *be)
{
  int sp[2], other[2];
  struct probe w;

  make_socketpair(sp);
  make_socketpair(other);
  probe_init(&w, sp[0], EV_READ);
  ev_io_start(loop, &w.io);
  run_nowait(loop, 1);
  is_int(w.calls, 0, "READ watcher on an idle socket is quiet [%s]", be);

  ev_io_stop(loop, &w.io);
  ev_io_modify(&w.io, EV_WRITE);
  ev_io_start(loop, &w.io);
  run_nowait(loop, 1);
  is_int(w.calls, 1, "after ev_io_modify(WRITE) and restart it fires [%s]",
         be);
  is_hex(w.revents, EV_WRITE, "with EV_WRITE [%s]", be);

  ev_io_stop(loop, &w.io);
  ev_io_set(&w.io, sp[0], EV_READ);
  ev_io_start(loop, &w.io);
  run_nowait(loop, 2);
  is_int(w.calls, 1, "after ev_io_set(READ) and restart it is quiet [%s]",
         be);

  /* ev_io_set to another fd moves the watcher there. */
  put_byte(other[1]);
  ev_io_stop(loop, &w.io);
  ev_io_set(&w.io, other[0], EV_READ);
  ev_io_start(loop, &w.io);
  run_nowait(loop, 1);
  ok(w.calls == 2 && w.revents == EV_READ,
     "after ev_io_set to another fd it follows that fd [%s]", be);
  drain(other[0]);
  put_byte(sp[1]);
  run_nowait(loop, 1);
  is_int(w.calls, 2, "and no longer hears the old fd [%s]", be);

  ev_io_stop(loop, &w.io);
  close_pair(sp);
  close_pair(other);
}

/* ---- zero event mask --------------------------------------------------- */

static void
test_zero_mask(struct ev_loop *loop, const char *be)
{
  int sp[2];
  struct probe z, r;

  make_socketpair(sp);
  put_byte(sp[1]);
  probe_init(&z, sp[0], 0);
  probe_init(&r, sp[0], EV_READ);
  ev_io_start(loop, &z.io);
  ok(ev_is_active(&z.io), "watcher with zero mask can be started [%s]", be);
  run_nowait(loop, 3);
  is_int(z.calls, 0,
         "zero mask never fires on a readable, writable fd [%s]", be);

  ev_io_start(loop, &r.io);
  run_nowait(loop, 1);
  ok(r.calls == 1 && z.calls == 0,
     "a READ watcher next to it fires, the zero mask does not [%s]", be);
  ev_feed_fd_event(loop, sp[0], EV_READ | EV_WRITE);
  ok(!ev_is_pending(&z.io),
     "ev_feed_fd_event does not make a zero-mask watcher pending [%s]", be);
  ev_io_stop(loop, &r.io);
  ev_io_stop(loop, &z.io);
  ok(!ev_is_active(&z.io), "zero-mask watcher stops normally [%s]", be);
  close_pair(sp);
}

/* ---- the EV__IOFDSET bit in ev_io.events ------------------------------ */

static void
test_iofdset(struct ev_loop *loop, const char *be)
{
  int sp[2];
  struct probe w;

  make_socketpair(sp);
  probe_init(&w, sp[0], EV_READ);
  is_hex(w.io.events, EV_READ | EV__IOFDSET,
         "ev_io_init(READ) leaves events 0x81 [%s]", be);
  ev_io_start(loop, &w.io);
  is_hex(w.io.events, EV_READ, "ev_io_start clears 0x80: events 0x01 [%s]",
         be);
  ev_io_stop(loop, &w.io);
  is_hex(w.io.events, EV_READ, "ev_io_stop leaves events 0x01 [%s]", be);
  ev_io_modify(&w.io, EV_WRITE);
  is_hex(w.io.events, EV_WRITE,
         "ev_io_modify on a started-before watcher gives 0x02 [%s]", be);
  ev_io_set(&w.io, sp[0], EV_READ | EV_WRITE);
  is_hex(w.io.events, EV_READ | EV_WRITE | EV__IOFDSET,
         "ev_io_set sets 0x80 again: 0x83 [%s]", be);
  ev_io_modify(&w.io, EV_READ);
  is_hex(w.io.events, EV_READ | EV__IOFDSET,
         "ev_io_modify keeps the 0x80 bit: 0x81 [%s]", be);
  ev_io_start(loop, &w.io);
  is_hex(w.io.events, EV_READ, "restart clears it again: 0x01 [%s]", be);
  is_int(w.io.fd, sp[0], "fd field holds the fd [%s]", be);
  ev_io_stop(loop, &w.io);
  close_pair(sp);
}

/* ---- ev_feed_fd_event ------------------------------------------------- */

static void
test_feed_fd(struct ev_loop *loop, const char *be)
{
  /* The read end of an empty pipe is never ready for either direction,
   * so whatever the watchers see below was fed. */
  int p[2], q[2];
  struct probe r, w, rw, idle_w, other;

  make_pipe(p);
  make_pipe(q);
  probe_init(&r, p[0], EV_READ);
  probe_init(&w, p[0], EV_WRITE);
  probe_init(&rw, p[0], EV_READ | EV_WRITE);
  probe_init(&idle_w, p[0], EV_READ); /* never started */
  probe_init(&other, q[0], EV_READ | EV_WRITE);
  ev_io_start(loop, &r.io);
  ev_io_start(loop, &w.io);
  ev_io_start(loop, &rw.io);
  ev_io_start(loop, &other.io);
  run_nowait(loop, 2);
  ok(r.calls + w.calls + rw.calls + other.calls == 0,
     "nothing fires on an empty pipe's read end [%s]", be);

  ev_feed_fd_event(loop, p[0], EV_READ | EV_WRITE);
  ok(ev_is_pending(&r.io) && ev_is_pending(&w.io) && ev_is_pending(&rw.io),
     "ev_feed_fd_event makes every started watcher on the fd pending [%s]",
     be);
  ok(!ev_is_pending(&idle_w.io) && !ev_is_pending(&other.io),
     "but not a stopped one nor one on another fd [%s]", be);
  run_nowait(loop, 1);
  ok(r.calls == 1 && w.calls == 1 && rw.calls == 1,
     "each fed watcher is called once [%s]", be);
  is_hex(r.revents, EV_READ, "READ watcher got EV_READ [%s]", be);
  is_hex(w.revents, EV_WRITE, "WRITE watcher got EV_WRITE [%s]", be);
  is_hex(rw.revents, EV_READ | EV_WRITE, "READ|WRITE watcher got both [%s]",
         be);
  ok(idle_w.calls == 0 && other.calls == 0,
     "stopped watcher and other fd not called [%s]", be);

  ev_feed_fd_event(loop, p[0], EV_WRITE);
  run_nowait(loop, 1);
  is_int(r.calls, 1, "feeding WRITE skips the READ watcher [%s]", be);
  ok(w.calls == 2 && w.revents == EV_WRITE,
     "feeding WRITE reaches the WRITE watcher [%s]", be);
  ok(rw.calls == 2 && rw.revents == EV_WRITE,
     "READ|WRITE watcher gets only EV_WRITE [%s]", be);
  run_nowait(loop, 1);
  ok(r.calls == 1 && w.calls == 2 && rw.calls == 2,
     "fed events are delivered once, not repeated [%s]", be);

  ev_io_stop(loop, &r.io);
  ev_io_stop(loop, &w.io);
  ev_io_stop(loop, &rw.io);
  ev_io_stop(loop, &other.io);
  close_pair(p);
  close_pair(q);
}

/* ---- a thousand socketpairs ------------------------------------------- */

#define MANY 1000

static int many_fds[MANY][2];
static int many_ready = -1; /* -1: not set up, 0: skipped, 1: ready */

static void
many_setup(void)
{
  struct rlimit rl;
  rlim_t need = 2 * MANY + 64 + (rlim_t)count_open_fds();
  int i;

  many_ready = 0;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
    return;
  if (rl.rlim_cur < need) {
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
      return;
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
      return;
  }
  for (i = 0; i < MANY; ++i)
    make_socketpair(many_fds[i]);
  many_ready = 1;
}

struct many_probe {
  ev_io io;
  int index;
  int calls;
};

static int many_last = -1;
static int many_calls;

static void
many_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct many_probe *m = (struct many_probe *)w;
  (void)loop;
  (void)revents;
  ++m->calls;
  ++many_calls;
  many_last = m->index;
  drain(w->fd);
}

static void
test_many(struct ev_loop *loop, const char *be)
{
  static struct many_probe m[MANY];
  static int order[MANY];
  int i, k, wrong = 0, all_once = 1, max_fd = 0, rounds = 0;
  unsigned int x = 12345;

  if (many_ready < 0)
    many_setup();
  if (!many_ready) {
    skip("cannot raise RLIMIT_NOFILE high enough",
         "%d socketpairs watched at once [%s]", MANY, be);
    return;
  }
  for (i = 0; i < MANY; ++i) {
    m[i].index = i;
    m[i].calls = 0;
    ev_io_init(&m[i].io, many_cb, many_fds[i][0], EV_READ);
    ev_io_start(loop, &m[i].io);
    if (many_fds[i][1] > max_fd)
      max_fd = many_fds[i][1];
    order[i] = i;
  }
  diag("%d watchers, highest fd %d [%s]", MANY, max_fd, be);
  many_calls = 0;
  run_nowait(loop, 1);
  is_int(many_calls, 0, "%d idle sockets: nothing fires [%s]", MANY, be);

  /* Make them readable one at a time, in a scrambled (but fixed) order. */
  for (i = MANY - 1; i > 0; --i) {
    int j, t;
    x = x * 1103515245u + 12345u;
    j = (int)((x >> 8) % (unsigned int)(i + 1));
    t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (k = 0; k < MANY; ++k) {
    i = order[k];
    many_calls = 0;
    many_last = -1;
    put_byte(many_fds[i][1]);
    ev_run(loop, EVRUN_NOWAIT);
    if (many_calls != 1 || many_last != i) {
      if (!wrong++)
        diag("fd of watcher %d made readable: %d calls, last watcher %d",
             i, many_calls, many_last);
    }
  }
  is_int(wrong, 0,
         "each of %d fds made readable in turn fires exactly its own "
         "watcher [%s]", MANY, be);

  /* All at once: every watcher fires exactly once.  A backend may spread
   * them over a few iterations (libev's epoll reports at most its event
   * buffer's size per poll), so run a bounded number of iterations. */
  for (i = 0; i < MANY; ++i) {
    m[i].calls = 0;
    put_byte(many_fds[i][1]);
  }
  many_calls = 0;
  while (many_calls < MANY && rounds++ < 100)
    ev_run(loop, EVRUN_NOWAIT);
  run_nowait(loop, 1);
  for (i = 0; i < MANY; ++i)
    if (m[i].calls != 1)
      all_once = 0;
  ok(all_once && many_calls == MANY,
     "all %d readable at once: each fires exactly once (%d calls, %d "
     "iterations) [%s]", MANY, many_calls, rounds, be);
  ev_verify(loop);
  for (i = 0; i < MANY; ++i) {
    ev_io_stop(loop, &m[i].io);
    drain(many_fds[i][0]);
  }
  many_calls = 0;
  run_nowait(loop, 1);
  is_int(many_calls, 0, "nothing fires after stopping all [%s]", be);
}

static void
run_backend(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  const char *be = b->name;

  is_hex(ev_backend(loop), b->flag, "loop uses the %s backend [%s]", be, be);
  test_read(loop, be);
  test_write(loop, be);
  test_shared_fd(loop, be);
  test_level(loop, be);
  test_start_in_cb(loop, be);
  test_modify(loop, be);
  test_zero_mask(loop, be);
  test_iofdset(loop, be);
  test_feed_fd(loop, be);
  ev_verify(loop);
  test_many(loop, be);
  ev_loop_destroy(loop);
}

int
main(void)
{
  tap_start(60);
  for_each_backend(run_backend);
  return 0;
}
