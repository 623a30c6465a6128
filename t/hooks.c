/* hooks.c - the loop's replaceable parts: ev_set_invoke_pending_cb,
 * ev_set_loop_release_cb, ev_set_allocator and ev_set_syserr_cb.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *bn; /* backend name of the current round */

/* ---- ev_set_invoke_pending_cb ------------------------------------------ */

static int hook_calls;
static int hook_invokes;          /* the hook calls ev_invoke_pending */
static unsigned int hook_seen_pending; /* ev_pending_count at first call */
static int fed_calls;

static void
counting_hook(struct ev_loop *l)
{
  if (hook_calls++ == 0)
    hook_seen_pending = ev_pending_count(l);
  if (hook_invokes)
    ev_invoke_pending(l);
}

static void
fed_cb(struct ev_loop *l, ev_idle *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  ++fed_calls;
}

static int ticks;

static void
tick_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)revents;
  if (++ticks == 3)
    ev_timer_stop(l, w);
}

static void
cleanup_cb(struct ev_loop *l, ev_cleanup *w, int revents)
{
  (void)l;
  (void)w;
  if (revents & EV_CLEANUP)
    ++fed_calls;
}

static void
test_invoke_pending_cb(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_idle w[3];
  ev_timer t;
  ev_cleanup c;
  unsigned int it;
  int i;

  ev_set_invoke_pending_cb(loop, counting_hook);
  hook_calls = hook_invokes = fed_calls = 0;
  it = ev_iteration(loop);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(ev_iteration(loop) - it, 1, "one NOWAIT iteration [%s]", bn);
  is_int(hook_calls, 2, "the hook ran at ev_run entry and once for the "
         "iteration, with nothing pending [%s]", bn);

  hook_calls = 0;
  for (i = 0; i < 3; ++i) {
    ev_idle_init(&w[i], fed_cb);
    ev_feed_event(loop, &w[i], EV_CUSTOM);
  }
  ev_run(loop, EVRUN_NOWAIT);
  is_int(hook_seen_pending, 3, "the hook sees ev_pending_count 3 [%s]", bn);
  is_int(fed_calls, 0, "callbacks do not run unless the hook invokes them "
         "[%s]", bn);
  ok(ev_is_pending(&w[0]) && ev_is_pending(&w[2]), "the fed watchers stay "
     "pending [%s]", bn);
  is_int(hook_calls, 2, "the hook was called twice again [%s]", bn);

  hook_calls = 0;
  hook_invokes = 1;
  ev_run(loop, EVRUN_NOWAIT);
  is_int(fed_calls, 3, "once the hook calls ev_invoke_pending the callbacks "
         "run [%s]", bn);
  ok(!ev_is_pending(&w[1]), "and nothing is pending [%s]", bn);

  /* Over a longer ev_run the hook runs once per iteration plus once at
   * entry. */
  hook_calls = 0;
  ticks = 0;
  ev_timer_init(&t, tick_cb, 0.01, 0.01);
  ev_timer_start(loop, &t);
  it = ev_iteration(loop);
  ev_run(loop, 0);
  is_int(ticks, 3, "the repeating timer ran three times through the hook "
         "[%s]", bn);
  is_int(hook_calls, (int)(ev_iteration(loop) - it) + 1, "the hook ran once "
         "per iteration plus once at entry [%s]", bn);

  /* Restoring the default. */
  ev_set_invoke_pending_cb(loop, ev_invoke_pending);
  hook_calls = fed_calls = 0;
  ev_feed_event(loop, &w[0], EV_CUSTOM);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(fed_calls, 1, "after restoring ev_invoke_pending callbacks run "
         "[%s]", bn);
  is_int(hook_calls, 0, "and the old hook is no longer called [%s]", bn);

  /* The hook also replaces the invocation of cleanup watchers in
   * ev_loop_destroy. */
  ev_set_invoke_pending_cb(loop, counting_hook);
  hook_calls = fed_calls = 0;
  hook_invokes = 1;
  ev_cleanup_init(&c, cleanup_cb);
  ev_cleanup_start(loop, &c);
  ev_loop_destroy(loop);
  is_int(fed_calls, 1, "ev_loop_destroy ran the cleanup watcher [%s]", bn);
  is_int(hook_calls, 1, "through the invoke-pending hook [%s]", bn);
}

/* ---- ev_set_loop_release_cb -------------------------------------------- */

static char rlog[256];
static size_t nrlog;
static int released;
static int cb_while_released;
static double release_at, acquire_at, max_blocked;

static void
rlog_add(char c)
{
  if (nrlog < sizeof rlog - 1)
    rlog[nrlog++] = c;
}

static void
release_cb(struct ev_loop *l)
{
  (void)l;
  rlog_add('R');
  released = 1;
  release_at = mono_now();
}

static void
acquire_cb(struct ev_loop *l)
{
  (void)l;
  rlog_add('A');
  released = 0;
  acquire_at = mono_now();
  if (acquire_at - release_at > max_blocked)
    max_blocked = acquire_at - release_at;
}

static void
release_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  if (released)
    cb_while_released = 1;
  rlog_add('C');
}

static void
test_release_cb(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_timer t;
  unsigned int it;
  size_t i;
  int paired = 1, nr = 0, nc = 0;

  nrlog = 0;
  memset(rlog, 0, sizeof rlog);
  released = cb_while_released = 0;
  max_blocked = 0;
  ev_set_loop_release_cb(loop, release_cb, acquire_cb);
  ev_timer_init(&t, release_timer_cb, 0.1, 0.);
  ev_timer_start(loop, &t);
  it = ev_iteration(loop);
  ev_run(loop, 0);

  for (i = 0; i < nrlog; ++i) {
    if (rlog[i] == 'R') {
      ++nr;
      if (i + 1 >= nrlog || rlog[i + 1] != 'A')
        paired = 0;
    } else if (rlog[i] == 'A') {
      if (i == 0 || rlog[i - 1] != 'R')
        paired = 0;
    } else {
      ++nc;
    }
  }
  if (!ok(paired, "release is always followed directly by acquire [%s]", bn))
    diag("log: %s", rlog);
  is_int(nr, (int)(ev_iteration(loop) - it), "release/acquire ran once per "
         "poll [%s]", bn);
  is_int(nc, 1, "the timer callback ran once [%s]", bn);
  ok(!cb_while_released, "no callback runs between release and acquire "
     "[%s]", bn);
  ok(nrlog > 0 && rlog[nrlog - 1] == 'C', "the callback ran after the last "
     "acquire [%s]", bn);
  if (!ok(max_blocked >= 0.05, "the blocking poll happened between release "
          "and acquire [%s]", bn))
    diag("longest release..acquire span %.3fs", max_blocked);

  nrlog = 0;
  memset(rlog, 0, sizeof rlog);
  ev_run(loop, EVRUN_NOWAIT);
  is_str(rlog, "RA", "a non-blocking poll is also wrapped in release and "
         "acquire [%s]", bn);

  ev_set_loop_release_cb(loop, 0, 0);
  nrlog = 0;
  ev_run(loop, EVRUN_NOWAIT);
  is_int((int)nrlog, 0, "passing NULL callbacks turns them off [%s]", bn);
  ev_loop_destroy(loop);
}

/* ---- ev_set_allocator -------------------------------------------------- */

/* A counting allocator: every block carries its size in a header. */
#define HDR 16

static long live_bytes, live_blocks, alloc_calls, grow_calls;

static void *
counting_alloc(void *ptr, long size)
{
  char *old = ptr ? (char *)ptr - HDR : NULL;
  long old_size = old ? *(long *)old : 0;
  char *p;

  ++alloc_calls;
  if (size == 0) {
    if (old) {
      live_bytes -= old_size;
      --live_blocks;
      free(old);
    }
    return NULL;
  }
  p = realloc(old, (size_t)size + HDR);
  if (!p)
    return NULL;
  ++grow_calls;
  if (!old)
    ++live_blocks;
  live_bytes += size - old_size;
  *(long *)p = size;
  return p + HDR;
}

/* What an application restores: a plain realloc wrapper. */
static void *
plain_alloc(void *ptr, long size)
{
  if (size)
    return realloc(ptr, (size_t)size);
  free(ptr);
  return NULL;
}

static void *
failing_alloc(void *ptr, long size)
{
  if (size)
    return NULL;
  free(ptr);
  return NULL;
}

static void
noop_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

static void
alloc_fails_child(void *arg)
{
  const struct test_backend *b = arg;
  ev_set_allocator(failing_alloc);
  ev_loop_new(b->flag | EVFLAG_NOENV);
  _exit(3);
}

static void
test_allocator(const struct test_backend *b)
{
  struct ev_loop *loop;
  struct child_result res;
  ev_timer t[20];
  long live0;
  int i;

  /* Install only while no loop exists: blocks from the default allocator
   * must never reach the counting one. */
  ev_set_allocator(counting_alloc);
  live0 = live_bytes;
  alloc_calls = grow_calls = 0;
  loop = ev_loop_new(b->flag | EVFLAG_NOENV);
  ok(loop != NULL, "ev_loop_new works with a custom allocator [%s]", bn);
  ok(grow_calls > 0 && live_bytes > live0, "the allocator saw the loop's "
     "allocation [%s]", bn);
  if (loop) {
    for (i = 0; i < 20; ++i) {
      ev_timer_init(&t[i], noop_timer_cb, 0.001 * i, 0.);
      ev_timer_start(loop, &t[i]);
    }
    ev_run(loop, 0);
    ev_verify(loop);
    ok(live_blocks > 0, "the loop holds memory from the allocator [%s]", bn);
    ev_loop_destroy(loop);
  }
  is_int(live_bytes, live0, "ev_loop_destroy returned every byte to the "
         "allocator [%s]", bn);
  is_int(live_blocks, 0, "no block from the allocator is left [%s]", bn);

  ev_set_allocator(plain_alloc);
  alloc_calls = 0;
  loop = ev_loop_new(b->flag | EVFLAG_NOENV);
  ok(loop != NULL, "a realloc-based allocator can be installed afterwards "
     "[%s]", bn);
  if (loop) {
    ev_timer_init(&t[0], noop_timer_cb, 0., 0.);
    ev_timer_start(loop, &t[0]);
    ev_run(loop, 0);
    ev_loop_destroy(loop);
  }
  is_int(alloc_calls, 0, "the counting allocator is no longer used [%s]",
         bn);

  run_in_child(alloc_fails_child, (void *)b, 10., &res);
  ok(aborted_with(&res, "cannot allocate", NULL), "an allocator returning "
     "NULL aborts with \"cannot allocate\" [%s]", bn);
}

/* ---- ev_set_syserr_cb -------------------------------------------------- */

static void
syserr_exit_cb(const char *msg)
{
  int e = errno;
  /* Report the message verbatim, then tell the parent what errno was. */
  fprintf(stderr, "%s\n", msg);
  fflush(stderr);
  _exit(e == EBADF ? 42 : 43);
}

/* Closes the loop's epoll descriptor behind its back. */
static int
close_epoll_fd(void)
{
  char path[64], target[128];
  int fd, closed = 0;

  for (fd = 3; fd < 1024; ++fd) {
    ssize_t n;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, target, sizeof target - 1);
    if (n < 0)
      continue;
    target[n] = 0;
    if (strcmp(target, "anon_inode:[eventpoll]") == 0) {
      close(fd);
      ++closed;
    }
  }
  return closed;
}

static void
syserr_child(void *arg)
{
  int with_cb = *(int *)arg;
  struct ev_loop *loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
  ev_timer t;

  if (!loop)
    _exit(10);
  if (with_cb == 1)
    ev_set_syserr_cb(syserr_exit_cb);
  if (with_cb == 2) {
    /* Set and then reset: NULL restores the default handling. */
    ev_set_syserr_cb(syserr_exit_cb);
    ev_set_syserr_cb(NULL);
  }
  if (close_epoll_fd() != 1)
    _exit(11);
  ev_timer_init(&t, noop_timer_cb, 0.01, 0.);
  ev_timer_start(loop, &t);
  ev_run(loop, EVRUN_ONCE);
  _exit(12);
}

static void
test_syserr(const struct test_backend *b)
{
  struct child_result res;
  int mode;

  if (b->flag != EVBACKEND_EPOLL) {
    skip("needs the epoll backend's own fd to break", "ev_set_syserr_cb "
         "callback on a failing poll [%s]", bn);
    skip("needs the epoll backend's own fd to break", "default syserr "
         "handling aborts [%s]", bn);
    return;
  }

  mode = 1;
  run_in_child(syserr_child, &mode, 10., &res);
  if (!ok(res.exited && res.status == 42, "a failing epoll_wait calls the "
          "syserr callback with errno EBADF [%s]", bn))
    diag("child: exited=%d status=%d signaled=%d signo=%d stderr=\"%s\"",
         res.exited, res.status, res.signaled, res.signo, res.err);
  is_str(res.err, "(libev) epoll_wait\n", "the callback got libev's message "
         "\"(libev) epoll_wait\" [%s]", bn);

  mode = 0;
  run_in_child(syserr_child, &mode, 10., &res);
  ok(aborted_with(&res, "epoll_wait", NULL), "without a callback a failing "
     "epoll_wait prints the error and aborts [%s]", bn);

  mode = 2;
  run_in_child(syserr_child, &mode, 10., &res);
  ok(aborted_with(&res, "epoll_wait", NULL), "ev_set_syserr_cb(NULL) "
     "restores the default (abort) [%s]", bn);
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  test_invoke_pending_cb(b);
  test_release_cb(b);
  test_allocator(b);
  test_syserr(b);
}

int
main(void)
{
  tap_start(60);
  for_each_backend(per_backend);
  return 0;
}
