/* misuse.c - API misuse that must abort the process with a diagnostic,
 * and nearby legal uses that must not.  Each case runs in a child.
 *
 * evix prints "evix: FUNCTION: MISTAKE" on stderr and aborts; the evix
 * build checks the function name and keyword.  Debian's libev aborts via
 * assert() with its own wording, so the libev build checks SIGABRT only,
 * and skips the cases libev does not check at all.
 */
#include "testlib.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct test_backend *cur;

static struct ev_loop *
child_loop(void)
{
  struct ev_loop *loop = ev_loop_new(cur->flag | EVFLAG_NOENV);
  if (!loop)
    _exit(90);
  return loop;
}

static void
io_cb(struct ev_loop *l, ev_io *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

static void
timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

/* ---- the misuse cases --------------------------------------------------- */

static void
io_negative_fd(void *arg)
{
  struct ev_loop *loop = child_loop();
  ev_io w;
  (void)arg;
  ev_io_init(&w, io_cb, -1, EV_READ);
  ev_io_start(loop, &w);
}

static void
io_bad_mask(void *arg)
{
  struct ev_loop *loop = child_loop();
  int fds[2];
  ev_io w;
  (void)arg;
  make_pipe(fds);
  ev_io_init(&w, io_cb, fds[0], 0x10);
  ev_io_start(loop, &w);
}

static void
timer_negative_repeat(void *arg)
{
  struct ev_loop *loop = child_loop();
  ev_timer t;
  (void)arg;
  ev_timer_init(&t, timer_cb, 1., -1.);
  ev_timer_start(loop, &t);
}

static void
timer_again_negative_inactive(void *arg)
{
  struct ev_loop *loop = child_loop();
  ev_timer t;
  (void)arg;
  ev_timer_init(&t, timer_cb, 1., 0.);
  t.repeat = -1.;
  ev_timer_again(loop, &t);
}

static void
timer_again_negative_active(void *arg)
{
  struct ev_loop *loop = child_loop();
  ev_timer t;
  (void)arg;
  ev_timer_init(&t, timer_cb, 1., 1.);
  ev_timer_start(loop, &t);
  t.repeat = -1.;
  ev_timer_again(loop, &t);
  /* libev only notices when the timer is processed. */
  ev_run(loop, EVRUN_ONCE);
}

static void
destroy_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  ev_loop_destroy(l);
}

static void
destroy_inside_run(void *arg)
{
  struct ev_loop *loop = child_loop();
  ev_timer t;
  (void)arg;
  ev_timer_init(&t, destroy_cb, 0., 0.);
  ev_timer_start(loop, &t);
  ev_run(loop, 0);
}

static void
recursing_hook(struct ev_loop *l)
{
  ev_run(l, EVRUN_NOWAIT);
}

static void
noop_hook(struct ev_loop *l)
{
  (void)l;
}

static void
run_from_release(void *arg)
{
  struct ev_loop *loop = child_loop();
  (void)arg;
  ev_set_loop_release_cb(loop, recursing_hook, noop_hook);
  ev_run(loop, EVRUN_NOWAIT);
}

static void
run_from_acquire(void *arg)
{
  struct ev_loop *loop = child_loop();
  (void)arg;
  ev_set_loop_release_cb(loop, noop_hook, recursing_hook);
  ev_run(loop, EVRUN_NOWAIT);
}

/* Starting a watcher without a callback: one case per type. */
static void
null_cb_io(void *arg)
{
  struct ev_loop *loop = child_loop();
  int fds[2];
  ev_io w;
  (void)arg;
  make_pipe(fds);
  ev_io_init(&w, NULL, fds[0], EV_READ);
  ev_io_start(loop, &w);
}

static void
null_cb_timer(void *arg)
{
  struct ev_loop *loop = child_loop();
  ev_timer w;
  (void)arg;
  ev_timer_init(&w, NULL, 10., 0.);
  ev_timer_start(loop, &w);
}

static void
null_cb_periodic(void *arg)
{
  struct ev_loop *loop = child_loop();
  ev_periodic w;
  (void)arg;
  ev_periodic_init(&w, NULL, 0., 100., 0);
  ev_periodic_start(loop, &w);
}

static void
null_cb_signal(void *arg)
{
  struct ev_loop *loop = child_loop();
  ev_signal w;
  (void)arg;
  ev_signal_init(&w, NULL, SIGUSR1);
  ev_signal_start(loop, &w);
}

static void
null_cb_child(void *arg)
{
  struct ev_loop *loop = ev_default_loop(cur->flag | EVFLAG_NOENV);
  ev_child w;
  (void)arg;
  if (!loop)
    _exit(90);
  ev_child_init(&w, NULL, 0, 0);
  ev_child_start(loop, &w);
}

static void
null_cb_stat(void *arg)
{
  struct ev_loop *loop = child_loop();
  ev_stat w;
  (void)arg;
  ev_stat_init(&w, NULL, "/", 0.);
  ev_stat_start(loop, &w);
}

#define NULL_CB_SIMPLE(type)                                               \
  static void                                                              \
  null_cb_##type(void *arg)                                                \
  {                                                                        \
    struct ev_loop *loop = child_loop();                                   \
    ev_##type w;                                                           \
    (void)arg;                                                             \
    ev_##type##_init(&w, NULL);                                            \
    ev_##type##_start(loop, &w);                                           \
  }
NULL_CB_SIMPLE(idle)
NULL_CB_SIMPLE(prepare)
NULL_CB_SIMPLE(check)
NULL_CB_SIMPLE(fork)
NULL_CB_SIMPLE(cleanup)
NULL_CB_SIMPLE(async)

/* ---- legal neighbours: these must not abort ----------------------------- */

static void
io_legal_masks(void *arg)
{
  struct ev_loop *loop = child_loop();
  int fds[2];
  ev_io a, b, c;
  (void)arg;
  make_pipe(fds);
  ev_io_init(&a, io_cb, fds[0], 0);
  ev_io_start(loop, &a);
  ev_io_init(&b, io_cb, fds[0], EV_READ);
  ev_io_start(loop, &b);
  ev_io_init(&c, io_cb, fds[1], EV_READ | EV_WRITE);
  ev_io_start(loop, &c);
  ev_run(loop, EVRUN_NOWAIT);
  ev_io_stop(loop, &a);
  ev_io_stop(loop, &b);
  ev_io_stop(loop, &c);
  ev_loop_destroy(loop);
  _exit(0);
}

static void
timer_zero_repeat(void *arg)
{
  struct ev_loop *loop = child_loop();
  ev_timer t;
  (void)arg;
  ev_timer_init(&t, timer_cb, 0., 0.);
  ev_timer_start(loop, &t);
  ev_timer_again(loop, &t);
  ev_timer_set(&t, -1., 0.);
  ev_timer_start(loop, &t);
  ev_run(loop, 0);
  ev_loop_destroy(loop);
  _exit(0);
}

static struct ev_loop *victim;

static void
destroy_other_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  ev_loop_destroy(victim);
  victim = NULL;
}

static void
destroy_other_loop_inside_run(void *arg)
{
  struct ev_loop *loop = child_loop();
  ev_timer t;
  (void)arg;
  victim = child_loop();
  ev_timer_init(&t, destroy_other_cb, 0., 0.);
  ev_timer_start(loop, &t);
  ev_run(loop, 0);
  ev_loop_destroy(loop);
  _exit(victim == NULL ? 0 : 1);
}

static void
embed_null_cb(void *arg)
{
  struct ev_loop *loop = child_loop();
  struct ev_loop *inner = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
  ev_embed e;
  (void)arg;
  if (!inner)
    _exit(91);
  /* A NULL callback is documented for ev_embed: sweep automatically. */
  ev_embed_init(&e, NULL, inner);
  ev_embed_start(loop, &e);
  ev_run(loop, EVRUN_NOWAIT);
  ev_embed_stop(loop, &e);
  ev_loop_destroy(inner);
  ev_loop_destroy(loop);
  _exit(0);
}

/* ---- the table ---------------------------------------------------------- */

enum libev_says { LIBEV_ABORTS, LIBEV_UNCHECKED, BOTH_FINE };

struct misuse {
  const char *what;
  void (*fn)(void *);
  const char *func;    /* evix: function named in the message */
  const char *keyword; /* evix: the mistake */
  enum libev_says libev;
};

static const struct misuse cases[] = {
  { "ev_io_start with fd -1", io_negative_fd, "ev_io_start", "negative fd",
    LIBEV_ABORTS },
  { "ev_io_start with event mask 0x10", io_bad_mask, "ev_io_start",
    "event mask", LIBEV_ABORTS },
  { "ev_timer_start with repeat -1", timer_negative_repeat, "ev_timer_start",
    "negative repeat", LIBEV_ABORTS },
  { "ev_timer_again with repeat -1 on an inactive timer",
    timer_again_negative_inactive, "ev_timer_again", "negative repeat",
    LIBEV_ABORTS },
  { "ev_timer_again with repeat -1 on an active timer",
    timer_again_negative_active, "ev_timer_again", "negative repeat",
    LIBEV_ABORTS },
  { "ev_loop_destroy from inside the loop's ev_run", destroy_inside_run,
    "ev_loop_destroy", "running", LIBEV_UNCHECKED },
  { "ev_run from the loop's release callback", run_from_release, "ev_run",
    "recursion", LIBEV_ABORTS },
  { "ev_run from the loop's acquire callback", run_from_acquire, "ev_run",
    "recursion", LIBEV_ABORTS },
  { "ev_io_start with a NULL callback", null_cb_io, "ev_io_start",
    "callback", LIBEV_UNCHECKED },
  { "ev_timer_start with a NULL callback", null_cb_timer, "ev_timer_start",
    "callback", LIBEV_UNCHECKED },
  { "ev_periodic_start with a NULL callback", null_cb_periodic,
    "ev_periodic_start", "callback", LIBEV_UNCHECKED },
  { "ev_signal_start with a NULL callback", null_cb_signal,
    "ev_signal_start", "callback", LIBEV_UNCHECKED },
  { "ev_child_start with a NULL callback", null_cb_child, "ev_child_start",
    "callback", LIBEV_UNCHECKED },
  { "ev_stat_start with a NULL callback", null_cb_stat, "ev_stat_start",
    "callback", LIBEV_UNCHECKED },
  { "ev_idle_start with a NULL callback", null_cb_idle, "ev_idle_start",
    "callback", LIBEV_UNCHECKED },
  { "ev_prepare_start with a NULL callback", null_cb_prepare,
    "ev_prepare_start", "callback", LIBEV_UNCHECKED },
  { "ev_check_start with a NULL callback", null_cb_check, "ev_check_start",
    "callback", LIBEV_UNCHECKED },
  { "ev_fork_start with a NULL callback", null_cb_fork, "ev_fork_start",
    "callback", LIBEV_UNCHECKED },
  { "ev_cleanup_start with a NULL callback", null_cb_cleanup,
    "ev_cleanup_start", "callback", LIBEV_UNCHECKED },
  { "ev_async_start with a NULL callback", null_cb_async, "ev_async_start",
    "callback", LIBEV_UNCHECKED },
  { "ev_io_start with masks 0, READ and READ|WRITE", io_legal_masks, NULL,
    NULL, BOTH_FINE },
  { "ev_timer_start/again with repeat 0 and a negative after",
    timer_zero_repeat, NULL, NULL, BOTH_FINE },
  { "ev_loop_destroy of another loop from a callback",
    destroy_other_loop_inside_run, NULL, NULL, BOTH_FINE },
  { "ev_embed_start with a NULL callback (automatic sweep)", embed_null_cb,
    NULL, NULL, BOTH_FINE },
};

static void
run_case(const struct misuse *m)
{
  struct child_result res;
  const char *bn = cur->name;

  if (m->fn == embed_null_cb
      && !(ev_supported_backends() & EVBACKEND_EPOLL)) {
    skip("no embeddable backend (epoll) here", "%s is allowed [%s]",
         m->what, bn);
    return;
  }
  if (m->libev == BOTH_FINE) {
    run_in_child(m->fn, NULL, 10., &res);
    if (!ok(res.exited && res.status == 0, "%s is allowed [%s]", m->what,
            bn))
      diag("child: exited=%d status=%d signaled=%d signo=%d stderr=\"%s\"",
           res.exited, res.status, res.signaled, res.signo, res.err);
    return;
  }
  if (test_on_libev()) {
    if (m->libev == LIBEV_UNCHECKED) {
      skip("libev does not check this", "%s aborts [%s]", m->what, bn);
      return;
    }
    run_in_child(m->fn, NULL, 10., &res);
    ok(aborted_with(&res, NULL), "%s aborts [%s]", m->what, bn);
  } else {
    char prefix[64];
    snprintf(prefix, sizeof prefix, "evix: %s: ", m->func);
    run_in_child(m->fn, NULL, 10., &res);
    ok(aborted_with(&res, prefix, m->keyword, NULL),
       "%s aborts with \"%s...%s\" [%s]", m->what, prefix, m->keyword, bn);
  }
}

static void
per_backend(const struct test_backend *b)
{
  size_t i;
  cur = b;
  for (i = 0; i < sizeof cases / sizeof cases[0]; ++i)
    run_case(&cases[i]);
}

int
main(void)
{
  tap_start(60);
  for_each_backend(per_backend);
  return 0;
}
