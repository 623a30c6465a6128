/* wait_wrapper.c - evix_set_wait_wrapper and evix_wake (evix only).
 *
 * A host runtime (the Ruby gem) releases its lock around the loop's
 * blocking system call through a wait wrapper, and wakes a blocked loop
 * from another thread or a signal handler with evix_wake.
 */
#include "testlib.h"

#include <evix.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

struct wrap_stats {
  int calls;      /* times the wrapper ran */
  int waited;     /* times it let the wait happen */
  int skip;       /* when set, return without waiting */
  int in_wait;    /* inside wait(): the "lock" is released */
};

static struct wrap_stats *current;

static void
wrapper(struct ev_loop *loop, evix_wait_fn wait, void *arg, void *data)
{
  struct wrap_stats *st = data;

  (void)loop;
  ++st->calls;
  if (st->skip)
    return;
  st->in_wait = 1;
  wait(arg);
  st->in_wait = 0;
  ++st->waited;
}

static int io_calls;
static int in_wait_during_cb;

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  char buf[16];
  (void)loop;
  (void)revents;
  if (read(w->fd, buf, sizeof buf) < 0)
    return;
  ++io_calls;
  in_wait_during_cb |= current->in_wait;
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
}

struct waker {
  struct ev_loop *loop;
  double delay;
};

static void *
wake_later(void *arg)
{
  struct waker *wk = arg;
  usleep((useconds_t)(wk->delay * 1e6));
  evix_wake(wk->loop);
  return NULL;
}

static struct ev_loop *alarm_loop;

static void
on_alarm(int sig)
{
  (void)sig;
  evix_wake(alarm_loop);
}

static void
one_backend(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  struct wrap_stats st = { 0, 0, 0, 0 };
  ev_timer long_timer, short_timer;
  ev_io io;
  int fds[2];
  double t0, elapsed;
  pthread_t th;
  struct waker wk;

  current = &st;
  make_pipe(fds);
  ev_io_init(&io, io_cb, fds[0], EV_READ);
  ev_io_start(loop, &io);

  {
    /* No channel yet: nothing can be blocking, nothing is created. */
    int before = count_open_fds();
    evix_wake(loop);
    is_int(count_open_fds(), before, "evix_wake on a loop without a "
           "wake-up channel does nothing [%s]", b->name);
  }

  evix_set_wait_wrapper(loop, wrapper, &st);

  ev_run(loop, EVRUN_NOWAIT);
  is_int(st.calls, 0, "a non-blocking iteration does not go through the "
         "wrapper [%s]", b->name);

  ev_timer_init(&short_timer, timer_cb, 0.02, 0.);
  ev_timer_start(loop, &short_timer);
  ev_run(loop, EVRUN_ONCE);
  ok(st.calls >= 1 && st.waited == st.calls,
     "a blocking wait goes through the wrapper, which runs it [%s]",
     b->name);

  if (write(fds[1], "x", 1) != 1)
    bail("write: pipe");
  io_calls = 0;
  in_wait_during_cb = 0;
  ev_timer_init(&long_timer, timer_cb, 10., 0.);
  ev_timer_start(loop, &long_timer);
  ev_run(loop, EVRUN_ONCE);
  is_int(io_calls, 1, "events found by the wrapped wait are delivered [%s]",
         b->name);
  is_int(in_wait_during_cb, 0, "callbacks never run inside wait() [%s]",
         b->name);

  /* A wrapper that does not wait: as if interrupted, no events lost. */
  st.skip = 1;
  st.calls = 0;
  if (write(fds[1], "y", 1) != 1)
    bail("write: pipe");
  io_calls = 0;
  ev_run(loop, EVRUN_ONCE);
  ok(st.calls == 1 && io_calls == 0,
     "a wrapper that skips the wait ends the iteration without events "
     "[%s]", b->name);
  st.skip = 0;
  ev_run(loop, EVRUN_ONCE);
  is_int(io_calls, 1, "the event comes with the next iteration [%s]",
         b->name);

  /* Woken from another thread while blocked on a 10 s timer. */
  wk.loop = loop;
  wk.delay = 0.1;
  pthread_create(&th, NULL, wake_later, &wk);
  t0 = mono_now();
  ev_run(loop, EVRUN_ONCE);
  elapsed = mono_now() - t0;
  pthread_join(th, NULL);
  ok(elapsed >= 0.05 && elapsed < 3.,
     "evix_wake from another thread ends a blocked wait (%.3f s) [%s]",
     elapsed, b->name);
  ok(ev_is_active(&long_timer), "the timer is still pending after the "
     "wake-up [%s]", b->name);

  /* Woken from a signal handler. */
  alarm_loop = loop;
  signal(SIGALRM, on_alarm);
  t0 = mono_now();
  ualarm(100000, 0);
  ev_run(loop, EVRUN_ONCE);
  elapsed = mono_now() - t0;
  ok(elapsed < 3., "evix_wake from a signal handler ends a blocked wait "
     "(%.3f s) [%s]", elapsed, b->name);
  signal(SIGALRM, SIG_DFL);

  evix_set_wait_wrapper(loop, NULL, NULL);
  st.calls = 0;
  ev_timer_stop(loop, &long_timer);
  ev_timer_start(loop, &short_timer);
  ev_run(loop, EVRUN_ONCE);
  is_int(st.calls, 0, "after removing the wrapper the loop waits itself "
         "[%s]", b->name);

  ev_verify(loop);
  ev_io_stop(loop, &io);
  ev_timer_stop(loop, &long_timer);
  ev_timer_stop(loop, &short_timer);
  ev_loop_destroy(loop);
  close(fds[0]);
  close(fds[1]);
}

int
main(void)
{
  tap_start(60);
  diag("evix %s", evix_version());
  for_each_backend(one_backend);
  return 0;
}
