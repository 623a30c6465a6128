/* embed_loop.c - ev_embed: an epoll loop embedded in an outer loop of
 * every backend.
 *
 * io in the embedded loop fires with a NULL embed callback (the library
 * sweeps) and with a callback (it gets EV_EMBED, keeps getting it until it
 * sweeps, and ev_embed_sweep runs the inner callbacks); a stopped embed
 * leaves the inner loop alone; an active embed holds 4 references of the
 * outer loop; a poll or select loop cannot be embedded (abort).
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *bn;
static unsigned int bflag;

static int inner_calls, inner_revents;
static int embed_calls, embed_revents, embed_sweep;
static int inner_seen_after_sweep;

static void
inner_io_cb(struct ev_loop *l, ev_io *w, int revents)
{
  char buf[16];
  (void)l;
  ++inner_calls;
  inner_revents = revents;
  if (read(w->fd, buf, sizeof buf) < 0)
    diag("read: nothing to read");
}

static void
embed_cb(struct ev_loop *l, ev_embed *w, int revents)
{
  ++embed_calls;
  embed_revents = revents;
  if (embed_sweep) {
    int before = inner_calls;
    ev_embed_sweep(l, w);
    inner_seen_after_sweep = inner_calls > before;
  }
}

static void
noop_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}


static struct ev_loop *
inner_new(void)
{
  struct ev_loop *l = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
  if (!l)
    bail("ev_loop_new(epoll) failed");
  return l;
}

static void
test_auto_sweep(void)
{
  struct ev_loop *outer = test_loop_new(bflag);
  struct ev_loop *inner = inner_new();
  ev_embed e;
  ev_io io;
  int fds[2];

  make_pipe(fds);
  inner_calls = embed_calls = 0;
  ev_io_init(&io, inner_io_cb, fds[0], EV_READ);
  ev_io_start(inner, &io);
  ev_embed_init(&e, 0, inner);
  ev_embed_start(outer, &e);
  ok(ev_is_active(&e), "an epoll loop can be embedded [%s]", bn);

  ev_run(outer, EVRUN_NOWAIT);
  is_int(inner_calls, 0, "nothing happens before data arrives [%s]", bn);
  if (write(fds[1], "a", 1) != 1)
    bail("write failed");
  wait_calls(outer, &inner_calls, 1, 5.);
  is_int(inner_calls, 1, "NULL embed callback: running the outer loop ran "
         "the inner io callback (automatic sweep) [%s]", bn);
  is_hex((unsigned)inner_revents, EV_READ, "... with EV_READ [%s]", bn);
  if (write(fds[1], "b", 1) != 1)
    bail("write failed");
  wait_calls(outer, &inner_calls, 2, 5.);
  is_int(inner_calls, 2, "... and again for more data [%s]", bn);

  /* A stopped embed no longer drives the inner loop. */
  ev_embed_stop(outer, &e);
  ok(!ev_is_active(&e), "ev_embed_stop deactivates it [%s]", bn);
  if (write(fds[1], "c", 1) != 1)
    bail("write failed");
  {
    ev_timer t;
    ev_timer_init(&t, noop_timer_cb, 0.1, 0.);
    ev_timer_start(outer, &t);
    ev_run(outer, 0);
  }
  is_int(inner_calls, 2, "after ev_embed_stop the outer loop does not run "
         "the inner callbacks [%s]", bn);
  ev_run(inner, EVRUN_NOWAIT);
  is_int(inner_calls, 3, "... the inner loop still works on its own [%s]",
         bn);

  ev_io_stop(inner, &io);
  ev_verify(outer);
  ev_verify(inner);
  ev_loop_destroy(outer);
  ev_loop_destroy(inner);
  close(fds[0]);
  close(fds[1]);
}

static void
test_callback_sweep(void)
{
  struct ev_loop *outer = test_loop_new(bflag);
  struct ev_loop *inner = inner_new();
  ev_embed e;
  ev_io io;
  int fds[2], i;

  make_pipe(fds);
  inner_calls = embed_calls = 0;
  embed_revents = 0;
  embed_sweep = 0;
  ev_io_init(&io, inner_io_cb, fds[0], EV_READ);
  ev_io_start(inner, &io);
  ev_embed_init(&e, embed_cb, inner);
  ev_embed_start(outer, &e);
  ev_run(outer, EVRUN_NOWAIT);

  if (write(fds[1], "a", 1) != 1)
    bail("write failed");
  wait_calls(outer, &embed_calls, 1, 5.);
  is_int(embed_calls, 1, "with a callback, readiness in the inner loop "
         "invokes the embed callback [%s]", bn);
  is_hex((unsigned)embed_revents, EV_EMBED, "... with EV_EMBED [%s]", bn);
  is_int(inner_calls, 0, "... without running the inner callbacks itself "
         "[%s]", bn);
  wait_calls(outer, &embed_calls, 2, 5.);
  is_int(embed_calls, 2, "... and it is invoked again while no sweep was "
         "done [%s]", bn);

  embed_sweep = 1;
  wait_calls(outer, &inner_calls, 1, 5.);
  is_int(inner_calls, 1, "ev_embed_sweep in the embed callback runs the "
         "inner io callback [%s]", bn);
  ok(inner_seen_after_sweep, "... inside the sweep [%s]", bn);
  embed_calls = 0;
  for (i = 0; i < 3; ++i)
    ev_run(outer, EVRUN_NOWAIT);
  is_int(embed_calls, 0, "once swept and drained, the embed callback stops "
         "being invoked [%s]", bn);

  ev_embed_stop(outer, &e);
  ev_io_stop(inner, &io);
  ev_loop_destroy(outer);
  ev_loop_destroy(inner);
  close(fds[0]);
  close(fds[1]);
}

static void
test_refcount(void)
{
  struct ev_loop *outer = test_loop_new(bflag);
  struct ev_loop *inner = inner_new();
  ev_embed e;

  is_int(ev_run(outer, EVRUN_NOWAIT), 0, "an empty outer loop has no "
         "references [%s]", bn);
  ev_embed_init(&e, 0, inner);
  ev_embed_start(outer, &e);
  is_int(ev_run(outer, EVRUN_NOWAIT), 4, "an active embed holds 4 outer "
         "loop references (itself, its io, prepare and fork watchers) [%s]",
         bn);
  ev_embed_stop(outer, &e);
  is_int(ev_run(outer, EVRUN_NOWAIT), 0, "ev_embed_stop gives all 4 back "
         "[%s]", bn);
  ev_loop_destroy(outer);
  ev_loop_destroy(inner);
}

static void
not_embeddable_child(void *arg)
{
  struct ev_loop *outer = test_loop_new(bflag);
  struct ev_loop *inner = test_loop_new(*(unsigned int *)arg);
  ev_embed e;

  ev_embed_init(&e, 0, inner);
  ev_embed_start(outer, &e);
}

static void
test_not_embeddable(void)
{
  static unsigned int kinds[] = { EVBACKEND_POLL, EVBACKEND_SELECT };
  struct child_result res;
  size_t i;

  for (i = 0; i < sizeof kinds / sizeof kinds[0]; ++i) {
    const char *kn = backend_name(kinds[i]);
    if (!(ev_supported_backends() & kinds[i])) {
      skip("backend not supported", "embedding a %s loop aborts [%s]", kn,
           bn);
      continue;
    }
    run_in_child(not_embeddable_child, &kinds[i], 10., &res);
#ifdef EVIX_TEST_LIBEV
    ok(aborted_with(&res, NULL), "embedding a %s loop aborts [%s]", kn, bn);
#else
    ok(aborted_with(&res, "evix: ev_embed_start: ", "not embeddable", NULL),
       "embedding a %s loop aborts with \"not embeddable\" [%s]", kn, bn);
#endif
  }
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  bflag = b->flag;
  test_auto_sweep();
  test_callback_sweep();
  test_refcount();
  test_not_embeddable();
}

int
main(void)
{
  tap_start(60);
  if (!(ev_supported_backends() & ev_embeddable_backends()
        & EVBACKEND_EPOLL))
    skip_all("no embeddable backend (epoll) on this system");
  for_each_backend(per_backend);
  return 0;
}
