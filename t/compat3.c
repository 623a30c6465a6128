/* compat3.c - the libev 3 names that ev.h still provides (EV_COMPAT3) and
 * the EV_P / EV_A / EV_DEFAULT macro style, used the way old programs use
 * them; each must behave like its modern equivalent.
 */
#include "testlib.h"

#include <stdio.h>

extern struct ev_loop *ev_default_loop_ptr;

static const char *bn; /* backend name of the current round */

static int timer_revents, timer_calls;
static unsigned int depth_in_cb;

/* Callbacks in the classic EV_P_ style. */
static void
timeout_cb(EV_P_ ev_timer *w, int revents)
{
  (void)w;
  ++timer_calls;
  timer_revents = revents;
  depth_in_cb = ev_loop_depth(EV_A);
  ev_loop_verify(EV_A);
}

static int unloop_how;

static void
unloop_cb(EV_P_ ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  ev_unloop(EV_A_ unloop_how);
}

static int late_calls;

static void
late_cb(EV_P_ ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  (void)EV_A;
  ++late_calls;
}

static int fork_calls;

static void
fork_cb(EV_P_ ev_fork *w, int revents)
{
  (void)w;
  (void)EV_A;
  if (revents & EV_FORK)
    ++fork_calls;
}

static void
per_backend(const struct test_backend *b)
{
  struct ev_loop *loop;
  ev_timer t, u, late;
  ev_fork f;
  unsigned int count0;

  bn = b->name;
  loop = ev_default_loop(b->flag | EVFLAG_NOENV | EVFLAG_NOSIGFD);
  if (!loop)
    bail("ev_default_loop(%s) failed", bn);
  ok(EV_DEFAULT == loop && EV_DEFAULT_UC == loop, "EV_DEFAULT and "
     "EV_DEFAULT_UC name the default loop [%s]", bn);

  /* ev_loop with EVLOOP_NONBLOCK is ev_run with EVRUN_NOWAIT. */
  count0 = ev_loop_count(EV_DEFAULT_UC);
  ev_loop(EV_DEFAULT_UC_ EVLOOP_NONBLOCK);
  is_int(ev_loop_count(loop) - count0, 1, "ev_loop(EVLOOP_NONBLOCK) does "
         "one iteration, counted by ev_loop_count [%s]", bn);
  is_int(ev_loop_count(loop), ev_iteration(loop), "ev_loop_count equals "
         "ev_iteration [%s]", bn);
  is_int(ev_loop_depth(loop), 0, "ev_loop_depth is 0 outside [%s]", bn);

  /* EVLOOP_ONESHOT waits for the timer; EV_TIMEOUT is EV_TIMER. */
  timer_calls = 0;
  ev_timer_init(&t, timeout_cb, 0.05, 0.);
  ev_timer_start(EV_DEFAULT_ &t);
  while (timer_calls == 0 && ev_loop_count(loop) - count0 < 50)
    ev_loop(EV_DEFAULT_ EVLOOP_ONESHOT);
  is_int(timer_calls, 1, "ev_loop(EVLOOP_ONESHOT) ran the timer [%s]", bn);
  ok(timer_revents & EV_TIMEOUT, "the timer got EV_TIMEOUT [%s]", bn);
  is_int(EV_TIMEOUT, EV_TIMER, "EV_TIMEOUT equals EV_TIMER [%s]", bn);
  is_int(depth_in_cb, 1, "ev_loop_depth is 1 inside a callback [%s]", bn);

  /* ev_unloop with EVUNLOOP_ONE / EVUNLOOP_ALL / EVUNLOOP_CANCEL. */
  unloop_how = EVUNLOOP_ONE;
  late_calls = 0;
  ev_timer_init(&u, unloop_cb, 0.01, 0.);
  ev_timer_init(&late, late_cb, 5., 0.);
  ev_timer_start(loop, &u);
  ev_timer_start(loop, &late);
  ev_loop(loop, 0);
  is_int(late_calls, 0, "ev_unloop(EVUNLOOP_ONE) ended ev_loop before the "
         "5s timer [%s]", bn);

  unloop_how = EVUNLOOP_ALL;
  ev_timer_start(loop, &u);
  ev_loop(loop, 0);
  is_int(late_calls, 0, "ev_unloop(EVUNLOOP_ALL) ended ev_loop too [%s]",
         bn);
  ev_timer_stop(loop, &late);

  unloop_how = EVUNLOOP_CANCEL;
  ev_timer_set(&late, 0.05, 0.);
  ev_timer_start(loop, &u);
  ev_timer_start(loop, &late);
  ev_loop(loop, 0);
  is_int(late_calls, 1, "ev_unloop(EVUNLOOP_CANCEL) does not end ev_loop "
         "[%s]", bn);
  is_int(EVUNLOOP_ONE, EVBREAK_ONE, "EVUNLOOP_ONE equals EVBREAK_ONE [%s]",
         bn);
  is_int(EVLOOP_NONBLOCK, EVRUN_NOWAIT, "EVLOOP_NONBLOCK equals "
         "EVRUN_NOWAIT [%s]", bn);

  /* ev_default_fork flags the default loop like ev_loop_fork does. */
  fork_calls = 0;
  ev_fork_init(&f, fork_cb);
  ev_fork_start(loop, &f);
  ev_loop(loop, EVLOOP_NONBLOCK);
  is_int(fork_calls, 0, "no fork watcher runs without a fork [%s]", bn);
  ev_default_fork();
  ev_loop(loop, EVLOOP_NONBLOCK);
  is_int(fork_calls, 1, "after ev_default_fork the fork watcher ran [%s]",
         bn);
  ev_fork_stop(loop, &f);

  /* ev_default_destroy destroys the default loop. */
  ev_default_destroy();
  ok(ev_default_loop_ptr == NULL, "ev_default_destroy destroyed the default "
     "loop [%s]", bn);
}

int
main(void)
{
  tap_start(60);
  is_int(EVFLAG_NOSIGFD, 0, "EVFLAG_NOSIGFD is 0 [%s]", TEST_IMPL);
  for_each_backend(per_backend);
  return 0;
}
