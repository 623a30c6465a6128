/* signal_delivery.c - ev_signal: how signals reach the loop that owns them.
 *
 * Delivery of raise/kill/pthread_kill (also while the loop is blocked or
 * busy in a callback), several watchers on one signal, coalescing, one
 * owning loop per signal (a second loop aborts, a stopped one lets go),
 * the valid signal range, the installed disposition (SA_RESTART, full
 * mask, SIG_DFL after the last stop), ev_feed_signal and
 * ev_feed_signal_event, EVFLAG_SIGNALFD, EVFLAG_NOSIGMASK, and a thousand
 * deliveries in a row.
 *
 * SIGALRM belongs to the TAP watchdog and is never used here.
 */
#define _GNU_SOURCE
#include "testlib.h"
#include "fdsnap.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *bn;      /* backend name of the current round */
static unsigned int bflag;  /* its EVBACKEND_* bit */

/* A signal watcher that counts its calls. */
struct probe {
  ev_signal w;
  int calls;
  int revents;
  int signum;
  unsigned int iter;  /* ev_iteration at the last call */
};

static void
probe_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
  struct probe *p = (struct probe *)w;
  ++p->calls;
  p->revents = revents;
  p->signum = w->signum;
  p->iter = ev_iteration(loop);
}

static void
probe_init(struct probe *p, int signum)
{
  memset(p, 0, sizeof *p);
  ev_signal_init(&p->w, probe_cb, signum);
}

static void
noop_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
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

/* Runs single iterations until *calls reaches want.  A guard timer ends
 * the wait after `seconds` even when the loop would block much longer. */
static void
guard_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)revents;
  *(int *)w->data = 1;
}

static void
unblock(int signum)
{
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, signum);
  sigprocmask(SIG_UNBLOCK, &s, NULL);
}

static void
block(int signum)
{
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, signum);
  sigprocmask(SIG_BLOCK, &s, NULL);
}

static int
is_blocked(int signum)
{
  sigset_t s;
  sigprocmask(SIG_BLOCK, NULL, &s);
  return sigismember(&s, signum) == 1;
}

/* ---- delivery ----------------------------------------------------------- */

static void
test_raise_and_kill(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct probe p;

  probe_init(&p, SIGUSR1);
  ev_signal_start(loop, &p.w);
  ok(ev_is_active(&p.w), "a loop made with ev_loop_new can own SIGUSR1: "
     "the watcher is active [%s]", bn);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(p.calls, 0, "no callback before any signal [%s]", bn);

  raise(SIGUSR1);
  wait_calls(loop, &p.calls, 1, 5.);
  is_int(p.calls, 1, "raise(SIGUSR1) is delivered to the owning "
         "(non-default) loop once [%s]", bn);
  is_hex((unsigned)p.revents, EV_SIGNAL, "revents is EV_SIGNAL [%s]", bn);
  is_int(p.signum, SIGUSR1, "w->signum is SIGUSR1 in the callback [%s]",
         bn);
  ok(ev_is_active(&p.w), "the watcher stays active after delivery [%s]",
     bn);

  kill(getpid(), SIGUSR1);
  wait_calls(loop, &p.calls, 2, 5.);
  is_int(p.calls, 2, "kill(getpid(), SIGUSR1) is delivered too [%s]", bn);
  ev_run(loop, EVRUN_NOWAIT);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(p.calls, 2, "no spurious callback afterwards [%s]", bn);
  ev_verify(loop);
  ev_signal_stop(loop, &p.w);
  ev_loop_destroy(loop);
}

/* A helper thread sends the signal while the loop blocks. */
struct sender {
  pthread_t target;  /* thread to signal */
  int to_self;       /* signal the helper itself instead */
  int signum;
  int feed;          /* use ev_feed_signal instead of pthread_kill */
};

static void *
sender_main(void *arg)
{
  struct sender *s = arg;
  sigset_t none;

  /* The helper inherits the creator's mask; it must take the signal. */
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, NULL);
  ev_sleep(0.05);
  if (s->feed)
    ev_feed_signal(s->signum);
  else
    pthread_kill(s->to_self ? pthread_self() : s->target, s->signum);
  return NULL;
}

static double
run_with_sender(struct ev_loop *loop, struct probe *p, struct sender *s,
                int *got)
{
  pthread_t th;
  double t0 = mono_now();

  if (pthread_create(&th, NULL, sender_main, s))
    bail("pthread_create failed");
  *got = wait_calls(loop, &p->calls, 1, 5.);
  pthread_join(th, NULL);
  return mono_now() - t0;
}

static void
test_from_thread(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct probe p;
  struct sender s;
  ev_timer keep;
  double dt;
  int got;

  ev_timer_init(&keep, noop_timer_cb, 5., 0.);
  ev_timer_start(loop, &keep);
  probe_init(&p, SIGUSR1);
  ev_signal_start(loop, &p.w);

  /* The handler runs in the helper thread, so only the library's wake-up
   * can end the blocked poll in this thread. */
  memset(&s, 0, sizeof s);
  s.to_self = 1;
  s.signum = SIGUSR1;
  dt = run_with_sender(loop, &p, &s, &got);
  ok(got, "a signal handled in another thread (pthread_kill on itself) "
     "wakes the blocked loop and is delivered [%s]", bn);
  ok(dt < 3.0, "... promptly, not at the 5s timer (%.3fs) [%s]", dt, bn);

  p.calls = 0;
  memset(&s, 0, sizeof s);
  s.target = pthread_self();
  s.signum = SIGUSR1;
  dt = run_with_sender(loop, &p, &s, &got);
  ok(got, "pthread_kill from another thread to the blocked loop thread is "
     "delivered [%s]", bn);
  ok(dt < 3.0, "... promptly (%.3fs) [%s]", dt, bn);

  ev_signal_stop(loop, &p.w);
  ev_timer_stop(loop, &keep);
  ev_loop_destroy(loop);
}

/* A signal raised inside a callback is not lost: the next iteration does
 * not block and delivers it. */
static unsigned int raise_iter;

static void
raise_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  raise_iter = ev_iteration(l);
  raise(SIGUSR1);
}

static void
test_raise_in_callback(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct probe p;
  ev_timer t, keep;
  double t0, dt;
  int i;

  probe_init(&p, SIGUSR1);
  ev_signal_start(loop, &p.w);
  ev_timer_init(&keep, noop_timer_cb, 5., 0.);
  ev_timer_start(loop, &keep);
  ev_timer_init(&t, raise_timer_cb, 0.01, 0.);
  ev_timer_start(loop, &t);
  raise_iter = 0;
  for (i = 0; i < 100 && !raise_iter; ++i)
    ev_run(loop, EVRUN_ONCE);
  ok(raise_iter != 0, "the timer raising SIGUSR1 ran [%s]", bn);
  t0 = mono_now();
  if (!p.calls)
    ev_run(loop, EVRUN_ONCE);
  dt = mono_now() - t0;
  is_int(p.calls, 1, "a signal raised inside a callback is delivered by "
         "the next ev_run(ONCE) [%s]", bn);
  ok(dt < 3.0, "... which does not block for the 5s timer (%.3fs) [%s]",
     dt, bn);
  ok(p.calls && p.iter > raise_iter, "... in a later iteration than the "
     "raising callback (%u > %u) [%s]", p.iter, raise_iter, bn);
  ev_timer_stop(loop, &keep);
  ev_signal_stop(loop, &p.w);
  ev_loop_destroy(loop);
}

static void
test_many_watchers_and_coalescing(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct probe p[3];
  int i, ones = 0, twos = 0;

  for (i = 0; i < 3; ++i) {
    probe_init(&p[i], SIGUSR2);
    ev_signal_start(loop, &p[i].w);
  }
  raise(SIGUSR2);
  wait_calls(loop, &p[0].calls, 1, 5.);
  wait_calls(loop, &p[1].calls, 1, 5.);
  wait_calls(loop, &p[2].calls, 1, 5.);
  ev_run(loop, EVRUN_NOWAIT);
  for (i = 0; i < 3; ++i)
    ones += p[i].calls == 1;
  is_int(ones, 3, "three watchers on SIGUSR2 each fire once for one "
         "delivery [%s]", bn);
  raise(SIGUSR2);
  wait_calls(loop, &p[0].calls, 2, 5.);
  wait_calls(loop, &p[1].calls, 2, 5.);
  wait_calls(loop, &p[2].calls, 2, 5.);
  ev_run(loop, EVRUN_NOWAIT);
  for (i = 0; i < 3; ++i)
    twos += p[i].calls == 2;
  is_int(twos, 3, "... and once more for a second delivery [%s]", bn);

  /* Five deliveries before the loop looks are one event. */
  for (i = 0; i < 3; ++i)
    p[i].calls = 0;
  for (i = 0; i < 5; ++i)
    raise(SIGUSR2);
  for (i = 0; i < 4; ++i)
    ev_run(loop, EVRUN_NOWAIT);
  is_int(p[0].calls, 1, "five raises before the loop runs coalesce into "
         "one callback [%s]", bn);
  is_int(p[1].calls + p[2].calls, 2, "... for every watcher of the signal "
         "[%s]", bn);
  for (i = 0; i < 3; ++i)
    ev_signal_stop(loop, &p[i].w);
  ev_verify(loop);
  ev_loop_destroy(loop);
}

static void
test_thousand(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct probe p;
  ev_timer guard;
  int i, expired = 0;

  probe_init(&p, SIGUSR1);
  ev_signal_start(loop, &p.w);
  ev_timer_init(&guard, guard_cb, 20., 0.);
  guard.data = &expired;
  ev_timer_start(loop, &guard);
  for (i = 0; i < 1000 && !expired; ++i) {
    kill(getpid(), SIGUSR1);
    while (p.calls <= i && !expired)
      ev_run(loop, EVRUN_ONCE);
  }
  is_int(p.calls, 1000, "1000 signals sent one after another are 1000 "
         "callbacks [%s]", bn);
  ev_timer_stop(loop, &guard);
  ev_signal_stop(loop, &p.w);
  ev_loop_destroy(loop);
}

/* ---- ownership and range ------------------------------------------------ */

static void
two_loops_child(void *arg)
{
  struct ev_loop *l1 = test_loop_new(bflag);
  struct ev_loop *l2 = test_loop_new(bflag);
  ev_signal a, b;

  (void)arg;
  ev_signal_init(&a, noop_signal_cb, SIGUSR1);
  ev_signal_init(&b, noop_signal_cb, SIGUSR1);
  ev_signal_start(l1, &a);
  ev_signal_start(l2, &b);
}

/* Exits 0 when loop 2 receives the signal after loop 1 let go of it. */
static void
handover_child(void *arg)
{
  struct ev_loop *l1 = test_loop_new(bflag);
  struct ev_loop *l2 = test_loop_new(bflag);
  struct probe a, b;

  (void)arg;
  probe_init(&a, SIGUSR1);
  probe_init(&b, SIGUSR1);
  ev_signal_start(l1, &a.w);
  ev_signal_stop(l1, &a.w);
  ev_signal_start(l2, &b.w);
  raise(SIGUSR1);
  wait_calls(l2, &b.calls, 1, 5.);
  ev_run(l1, EVRUN_NOWAIT);
  if (b.calls != 1)
    _exit(2);
  if (a.calls != 0)
    _exit(3);
  ev_signal_stop(l2, &b.w);
}

static void
bad_signum_child(void *arg)
{
  struct ev_loop *l = test_loop_new(bflag);
  ev_signal w;
  ev_signal_init(&w, noop_signal_cb, *(int *)arg);
  ev_signal_start(l, &w);
}

static void
test_ownership(void)
{
  struct child_result res;
  static int zero = 0, big = 65;

  run_in_child(two_loops_child, NULL, 10., &res);
#ifdef EVIX_TEST_LIBEV
  ok(aborted_with(&res, NULL), "starting a SIGUSR1 watcher in a second loop "
     "aborts [%s]", bn);
#else
  ok(aborted_with(&res, "evix: ev_signal_start: ", "another loop", NULL),
     "starting a SIGUSR1 watcher in a second loop aborts with \"another "
     "loop\" [%s]", bn);
#endif

  run_in_child(handover_child, NULL, 10., &res);
  if (!ok(res.exited && res.status == 0, "once the first loop stopped its "
          "last watcher, a second loop can own the signal and receives it "
          "[%s]", bn))
    diag("child: exited=%d status=%d (2: not delivered, 3: went to the old "
         "loop) signaled=%d signo=%d stderr=\"%s\"", res.exited, res.status,
         res.signaled, res.signo, res.err);

  run_in_child(bad_signum_child, &zero, 10., &res);
#ifdef EVIX_TEST_LIBEV
  ok(aborted_with(&res, NULL), "ev_signal_start with signum 0 aborts [%s]",
     bn);
#else
  ok(aborted_with(&res, "evix: ev_signal_start: ", "out of range", NULL),
     "ev_signal_start with signum 0 aborts with \"out of range\" [%s]", bn);
#endif
  run_in_child(bad_signum_child, &big, 10., &res);
#ifdef EVIX_TEST_LIBEV
  ok(aborted_with(&res, NULL), "ev_signal_start with signum 65 aborts [%s]",
     bn);
#else
  ok(aborted_with(&res, "evix: ev_signal_start: ", "out of range", NULL),
     "ev_signal_start with signum 65 aborts with \"out of range\" [%s]", bn);
#endif
}

/* Signal 64 is the last valid one. */
static void
test_signal_64(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct probe p;

  probe_init(&p, 64);
  ev_signal_start(loop, &p.w);
  raise(64);
  wait_calls(loop, &p.calls, 1, 5.);
  is_int(p.calls, 1, "signal 64 (the highest valid number) is watched and "
         "delivered [%s]", bn);
  ev_signal_stop(loop, &p.w);
  ev_loop_destroy(loop);
}

/* ---- disposition -------------------------------------------------------- */

static void
user_handler(int signum)
{
  (void)signum;
}

static void
test_disposition(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  struct sigaction mine, now;
  sigset_t full;
  ev_signal w1, w2;
  int s, missing = 0;

  memset(&mine, 0, sizeof mine);
  mine.sa_handler = user_handler;
  sigemptyset(&mine.sa_mask);
  sigaction(SIGUSR2, &mine, NULL);

  ev_signal_init(&w1, noop_signal_cb, SIGUSR2);
  ev_signal_init(&w2, noop_signal_cb, SIGUSR2);
  ev_signal_start(loop, &w1);
  ev_signal_start(loop, &w2);
  sigaction(SIGUSR2, NULL, &now);
  ok(!(now.sa_flags & SA_SIGINFO) && now.sa_handler != SIG_DFL
     && now.sa_handler != SIG_IGN && now.sa_handler != user_handler,
     "the first watcher installs the library's own handler [%s]", bn);
  ok(now.sa_flags & SA_RESTART, "... with SA_RESTART (flags 0x%x) [%s]",
     (unsigned)now.sa_flags, bn);
  /* The kernel never stores SIGKILL/SIGSTOP in a handler mask. */
  sigfillset(&full);
  for (s = 1; s <= 64; ++s)
    if (s != SIGKILL && s != SIGSTOP && sigismember(&full, s) == 1
        && sigismember(&now.sa_mask, s) != 1)
      ++missing;
  is_int(missing, 0, "... and a full sa_mask (signals missing from it) "
         "[%s]", bn);

  ev_signal_stop(loop, &w1);
  sigaction(SIGUSR2, NULL, &now);
  ok(now.sa_handler != SIG_DFL, "stopping one of two watchers keeps the "
     "handler [%s]", bn);
  ev_signal_stop(loop, &w2);
  sigaction(SIGUSR2, NULL, &now);
  ok(now.sa_handler == SIG_DFL, "after the last watcher stops the "
     "disposition is SIG_DFL, not the handler installed before [%s]", bn);
  ev_loop_destroy(loop);
}

/* ---- ev_feed_signal, ev_feed_signal_event ------------------------------- */

static void
test_feed_signal(void)
{
  struct ev_loop *a = test_loop_new(bflag);
  struct ev_loop *b = test_loop_new(bflag);
  struct probe p, q;
  struct sender s;
  ev_timer keep;
  double dt;
  int got, i;

  probe_init(&p, SIGUSR1);
  ev_signal_start(a, &p.w);
  ev_timer_init(&keep, noop_timer_cb, 5., 0.);
  ev_timer_start(a, &keep);

  memset(&s, 0, sizeof s);
  s.feed = 1;
  s.signum = SIGUSR1;
  dt = run_with_sender(a, &p, &s, &got);
  ok(got, "ev_feed_signal from another thread reaches the owning loop "
     "while it blocks [%s]", bn);
  ok(dt < 3.0, "... promptly (%.3fs) [%s]", dt, bn);
  is_hex((unsigned)p.revents, EV_SIGNAL, "... with EV_SIGNAL [%s]", bn);

  p.calls = 0;
  ev_feed_signal(SIGUSR1);
  for (i = 0; i < 3; ++i)
    ev_run(b, EVRUN_NOWAIT);
  is_int(p.calls, 0, "running another loop does not deliver the fed signal "
         "[%s]", bn);
  ev_run(a, EVRUN_NOWAIT);
  ev_run(a, EVRUN_NOWAIT);
  is_int(p.calls, 1, "ev_feed_signal from the loop's own thread is "
         "delivered by the owner's next iteration [%s]", bn);

  /* Nobody owns SIGWINCH: the feed is dropped, not remembered. */
  ev_feed_signal(SIGWINCH);
  probe_init(&q, SIGWINCH);
  ev_signal_start(b, &q.w);
  for (i = 0; i < 3; ++i)
    ev_run(b, EVRUN_NOWAIT);
  is_int(q.calls, 0, "ev_feed_signal of a signal no loop owns is ignored "
         "(a watcher started later sees nothing) [%s]", bn);

  p.calls = 0;
  ev_feed_signal_event(b, SIGUSR1);
  ok(!ev_is_pending(&p.w), "ev_feed_signal_event on a loop that does not "
     "own the signal makes nothing pending [%s]", bn);
  ev_run(a, EVRUN_NOWAIT);
  ev_run(b, EVRUN_NOWAIT);
  is_int(p.calls, 0, "... and no callback runs [%s]", bn);
  ev_feed_signal_event(a, SIGUSR1);
  ok(ev_is_pending(&p.w), "ev_feed_signal_event on the owner makes the "
     "watcher pending at once [%s]", bn);
  ev_run(a, EVRUN_NOWAIT);
  is_int(p.calls, 1, "... and it runs once [%s]", bn);
  is_hex((unsigned)p.revents, EV_SIGNAL, "... with EV_SIGNAL [%s]", bn);

  ev_signal_stop(b, &q.w);
  ev_signal_stop(a, &p.w);
  ev_timer_stop(a, &keep);
  ev_loop_destroy(a);
  ev_loop_destroy(b);
}

/* ---- EVFLAG_SIGNALFD and EVFLAG_NOSIGMASK ------------------------------- */

static void
test_signalfd(void)
{
  struct ev_loop *loop =
    ev_loop_new(bflag | EVFLAG_NOENV | EVFLAG_SIGNALFD);
  struct fdsnap before, after;
  struct probe p, q;
  int fds[4], n;
  char kind[128];

  if (!loop)
    bail("ev_loop_new(%s|SIGNALFD) failed", bn);
  unblock(SIGUSR1);
  unblock(SIGUSR2);
  probe_init(&p, SIGUSR1);
  probe_init(&q, SIGUSR2);
  fdsnap_take(&before);
  ev_signal_start(loop, &p.w);
  fdsnap_take(&after);
  n = fdsnap_new(&before, &after, fds, 4);
  is_int(n, 1, "EVFLAG_SIGNALFD: the first signal watcher opens one "
         "descriptor [%s]", bn);
  ok(n == 1 && strstr(fd_kind(fds[0], kind, sizeof kind), "signalfd"),
     "... a signalfd (%s) [%s]", n >= 1 ? kind : "none", bn);
  ok(is_blocked(SIGUSR1), "... and SIGUSR1 is blocked while watched [%s]",
     bn);
  ev_signal_start(loop, &q.w);
  fdsnap_take(&before);
  is_int(fdsnap_new(&after, &before, fds, 4), 0, "a second signal opens no "
         "further descriptor [%s]", bn);

  kill(getpid(), SIGUSR1);
  wait_calls(loop, &p.calls, 1, 5.);
  is_int(p.calls, 1, "a signal is delivered through the signalfd [%s]", bn);
  is_int(q.calls, 0, "... only to its own watchers [%s]", bn);
  kill(getpid(), SIGUSR2);
  wait_calls(loop, &q.calls, 1, 5.);
  is_int(q.calls, 1, "the second signal is delivered too [%s]", bn);

  ev_signal_stop(loop, &p.w);
  ok(!is_blocked(SIGUSR1), "SIGUSR1 is unblocked after its watcher stops "
     "[%s]", bn);
  ok(is_blocked(SIGUSR2), "... while SIGUSR2, still watched, stays blocked "
     "[%s]", bn);
  ev_signal_stop(loop, &q.w);
  ok(!is_blocked(SIGUSR2), "SIGUSR2 is unblocked after its stop [%s]", bn);
  ev_loop_destroy(loop);
  unblock(SIGUSR1);
  unblock(SIGUSR2);
}

static void
test_nosigmask(void)
{
  struct ev_loop *plain = test_loop_new(bflag);
  struct ev_loop *nomask = ev_loop_new(bflag | EVFLAG_NOENV
                                       | EVFLAG_NOSIGMASK);
  ev_signal w;

  if (!nomask)
    bail("ev_loop_new(%s|NOSIGMASK) failed", bn);
  ev_signal_init(&w, noop_signal_cb, SIGUSR1);

  block(SIGUSR1);
  ev_signal_start(plain, &w);
  ok(is_blocked(SIGUSR1), "without flags, ev_signal_start leaves a blocked "
     "signal blocked [%s]", bn);
  ev_signal_stop(plain, &w);
  ok(is_blocked(SIGUSR1), "... and ev_signal_stop leaves it blocked [%s]",
     bn);
  unblock(SIGUSR1);
  ev_signal_start(plain, &w);
  ok(!is_blocked(SIGUSR1), "without flags, an unblocked signal stays "
     "unblocked at start [%s]", bn);
  ev_signal_stop(plain, &w);

  block(SIGUSR1);
  ev_signal_start(nomask, &w);
  ok(!is_blocked(SIGUSR1), "EVFLAG_NOSIGMASK: ev_signal_start unblocks the "
     "signal (libev 4.33 behaviour) [%s]", bn);
  ev_signal_stop(nomask, &w);
  unblock(SIGUSR1);
  ev_loop_destroy(plain);
  ev_loop_destroy(nomask);
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  bflag = b->flag;
  test_raise_and_kill();
  test_from_thread();
  test_raise_in_callback();
  test_many_watchers_and_coalescing();
  test_ownership();
  test_signal_64();
  test_disposition();
  test_feed_signal();
  test_signalfd();
  test_nosigmask();
  test_thousand();
}

int
main(void)
{
  tap_start(60);
  for_each_backend(per_backend);
  return 0;
}
