/* async_threads.c - ev_async: wake-ups from other threads and from signal
 * handlers, never lost, always coalesced.
 *
 * 8 threads x 100000 ev_async_send on one watcher, and on 8 watchers (one
 * per thread): every sender bumps an atomic counter before each send, and
 * the loop must see the final total in a callback (no lost wake-up).
 * Also ev_async_pending, coalescing of sends made while the loop is not
 * looking, a send from a signal handler running in another thread (only
 * the library's wake-up can end the blocked poll), and loops that each
 * live in their own thread.
 *
 * The test's own shared state uses the compiler's __atomic builtins (as
 * evix does) or is handed over by pthread_create/pthread_join, so the
 * program is clean under ThreadSanitizer whenever the library is: build
 * with CFLAGS='-fsanitize=thread' LDFLAGS='-fsanitize=thread'.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SENDERS 8
#define SENDS 100000

static const char *bn;
static unsigned int bflag;

static void
guard_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)revents;
  *(int *)w->data = 1;
  ev_break(l, EVBREAK_ONE);
}

/* ---- many senders, one watcher ------------------------------------------ */

struct shared {
  struct ev_loop *loop;
  ev_async w[SENDERS];     /* w[0] only, or one per sender */
  int per_sender;          /* each sender its own watcher */
  long sent[SENDERS];      /* sends made, per sender (or all in [0]) */
  long seen_total;         /* loop thread only */
  long callbacks;          /* loop thread only */
  int finished;            /* loop thread only: watchers done */
  int go;                  /* senders may start */
};

struct sender_arg {
  struct shared *sh;
  int id;
};

static void *
sender_main(void *arg)
{
  struct sender_arg *a = arg;
  struct shared *sh = a->sh;
  int slot = sh->per_sender ? a->id : 0;
  int i;

  while (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
    sched_yield();
  for (i = 0; i < SENDS; ++i) {
    __atomic_fetch_add(&sh->sent[slot], 1, __ATOMIC_SEQ_CST);
    ev_async_send(sh->loop, &sh->w[slot]);
  }
  return NULL;
}

static void
many_cb(struct ev_loop *loop, ev_async *w, int revents)
{
  struct shared *sh = w->data;
  int slot = (int)(w - sh->w);
  long want = sh->per_sender ? SENDS : (long)SENDERS * SENDS;
  long now = __atomic_load_n(&sh->sent[slot], __ATOMIC_SEQ_CST);

  (void)revents;
  ++sh->callbacks;
  if (now == want) {
    ev_async_stop(loop, w);
    if (++sh->finished == (sh->per_sender ? SENDERS : 1))
      ev_break(loop, EVBREAK_ONE);
  }
}

static void
test_many_senders(int per_sender)
{
  static struct shared sh;
  struct sender_arg args[SENDERS];
  pthread_t th[SENDERS];
  ev_timer guard;
  int i, expired = 0, nw = per_sender ? SENDERS : 1;
  long total = 0;
  double t0;
  const char *what = per_sender ? "8 watchers, one per thread"
                                : "one watcher";

  memset(&sh, 0, sizeof sh);
  sh.loop = test_loop_new(bflag);
  sh.per_sender = per_sender;
  for (i = 0; i < SENDERS; ++i)
    __atomic_store_n(&sh.sent[i], 0, __ATOMIC_RELAXED);
  __atomic_store_n(&sh.go, 0, __ATOMIC_RELAXED);
  for (i = 0; i < nw; ++i) {
    ev_async_init(&sh.w[i], many_cb);
    sh.w[i].data = &sh;
    ev_async_start(sh.loop, &sh.w[i]);
  }
  ev_timer_init(&guard, guard_cb, 20., 0.);
  guard.data = &expired;
  ev_timer_start(sh.loop, &guard);

  for (i = 0; i < SENDERS; ++i) {
    args[i].sh = &sh;
    args[i].id = i;
    if (pthread_create(&th[i], NULL, sender_main, &args[i]))
      bail("pthread_create failed");
  }
  t0 = mono_now();
  __atomic_store_n(&sh.go, 1, __ATOMIC_SEQ_CST);
  while (sh.finished < nw && !expired)
    ev_run(sh.loop, EVRUN_ONCE);
  for (i = 0; i < SENDERS; ++i) {
    pthread_join(th[i], NULL);
    total += __atomic_load_n(&sh.sent[i], __ATOMIC_SEQ_CST);
  }

  ok(!expired, "8 threads x %d ev_async_send (%s): the loop saw the final "
     "count in a callback, no lost wake-up (%.2fs) [%s]", SENDS, what,
     mono_now() - t0, bn);
  is_int(sh.finished, nw, "... every watcher reached its final count "
         "[%s]", bn);
  is_int(total, (long)SENDERS * SENDS, "... all sends were made [%s]", bn);
  ok(sh.callbacks >= nw && sh.callbacks <= total, "... callbacks (%ld) "
     "between the watcher count and the sends: sends coalesce [%s]",
     sh.callbacks, bn);
  for (i = 0; i < nw; ++i)
    if (ev_is_active(&sh.w[i]))
      ev_async_stop(sh.loop, &sh.w[i]);
  ev_timer_stop(sh.loop, &guard);
  ev_verify(sh.loop);
  ev_loop_destroy(sh.loop);
}

/* ---- pending and coalescing, single thread ------------------------------ */

static int single_calls, single_revents;

static void
single_cb(struct ev_loop *l, ev_async *w, int revents)
{
  (void)l;
  (void)w;
  ++single_calls;
  single_revents = revents;
}

static void
test_pending_and_coalesce(void)
{
  struct ev_loop *loop = test_loop_new(bflag);
  ev_async a;
  int i;

  single_calls = 0;
  ev_async_init(&a, single_cb);
  ev_async_start(loop, &a);
  ok(!ev_async_pending(&a), "a started async is not pending [%s]", bn);
  ev_async_send(loop, &a);
  ok(ev_async_pending(&a), "ev_async_pending is true after ev_async_send "
     "[%s]", bn);
  ok(!ev_is_pending(&a), "... though the watcher itself is not pending yet "
     "[%s]", bn);
  for (i = 0; i < 9; ++i)
    ev_async_send(loop, &a);
  ev_run(loop, EVRUN_NOWAIT);
  ev_run(loop, EVRUN_NOWAIT);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(single_calls, 1, "ten sends before the loop looks are one "
         "callback [%s]", bn);
  is_hex((unsigned)single_revents, EV_ASYNC, "... with EV_ASYNC [%s]", bn);
  ok(!ev_async_pending(&a), "ev_async_pending is false once the loop took "
     "the send [%s]", bn);

  ev_async_send(loop, &a);
  ev_async_stop(loop, &a);
  ev_async_start(loop, &a);
  ok(!ev_async_pending(&a), "ev_async_start clears an earlier send [%s]",
     bn);
  single_calls = 0;
  ev_run(loop, EVRUN_NOWAIT);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(single_calls, 0, "... so no callback follows [%s]", bn);
  ev_async_stop(loop, &a);
  ev_loop_destroy(loop);
}

/* ---- from a signal handler ---------------------------------------------- */

static struct ev_loop *sig_loop;
static ev_async sig_async;

static void
usr1_handler(int signum)
{
  (void)signum;
  ev_async_send(sig_loop, &sig_async);
}

static void *
signal_self_main(void *arg)
{
  sigset_t s;

  (void)arg;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  pthread_sigmask(SIG_UNBLOCK, &s, NULL);
  ev_sleep(0.05);
  pthread_kill(pthread_self(), SIGUSR1);
  return NULL;
}

static int sig_done;

static void
sig_async_cb(struct ev_loop *l, ev_async *w, int revents)
{
  (void)w;
  (void)revents;
  sig_done = 1;
  ev_break(l, EVBREAK_ONE);
}

static void
test_from_signal_handler(void)
{
  struct sigaction sa, old;
  sigset_t s, prev;
  pthread_t th;
  ev_timer guard;
  int expired = 0;
  double t0, dt;

  sig_loop = test_loop_new(bflag);
  sig_done = 0;
  ev_async_init(&sig_async, sig_async_cb);
  ev_async_start(sig_loop, &sig_async);
  ev_timer_init(&guard, guard_cb, 5., 0.);
  guard.data = &expired;
  ev_timer_start(sig_loop, &guard);

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = usr1_handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, &old);
  /* This thread blocks SIGUSR1: the handler runs in the helper. */
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &s, &prev);
  if (pthread_create(&th, NULL, signal_self_main, NULL))
    bail("pthread_create failed");
  t0 = mono_now();
  while (!sig_done && !expired)
    ev_run(sig_loop, EVRUN_ONCE);
  dt = mono_now() - t0;
  pthread_join(th, NULL);
  pthread_sigmask(SIG_SETMASK, &prev, NULL);
  sigaction(SIGUSR1, &old, NULL);

  ok(sig_done, "ev_async_send from a signal handler (in another thread) "
     "wakes the blocked loop [%s]", bn);
  ok(dt < 3., "... promptly, not at the 5s guard (%.3fs) [%s]", dt, bn);
  ev_timer_stop(sig_loop, &guard);
  ev_async_stop(sig_loop, &sig_async);
  ev_loop_destroy(sig_loop);
}

/* ---- one loop per thread ------------------------------------------------ */

#define WORKERS 4

struct worker {
  pthread_t th;
  struct ev_loop *loop;  /* published through `ready` */
  ev_async a;
  int ready;             /* 1: loop published, -1: failed */
  int calls;             /* worker thread only until joined */
  int timed_out;
};

static void
worker_async_cb(struct ev_loop *l, ev_async *w, int revents)
{
  struct worker *wk = w->data;
  (void)revents;
  ++wk->calls;
  ev_break(l, EVBREAK_ONE);
}

static void *
worker_main(void *arg)
{
  struct worker *wk = arg;
  struct ev_loop *loop = ev_loop_new(bflag | EVFLAG_NOENV);
  ev_timer guard;
  int expired = 0;

  if (!loop) {
    __atomic_store_n(&wk->ready, -1, __ATOMIC_SEQ_CST);
    return NULL;
  }
  ev_async_init(&wk->a, worker_async_cb);
  wk->a.data = wk;
  ev_async_start(loop, &wk->a);
  ev_timer_init(&guard, guard_cb, 10., 0.);
  guard.data = &expired;
  ev_timer_start(loop, &guard);
  wk->loop = loop;
  __atomic_store_n(&wk->ready, 1, __ATOMIC_SEQ_CST);
  while (!wk->calls && !expired)
    ev_run(loop, EVRUN_ONCE);
  wk->timed_out = expired;
  ev_timer_stop(loop, &guard);
  ev_async_stop(loop, &wk->a);
  ev_loop_destroy(loop);
  return NULL;
}

static void
test_loop_per_thread(void)
{
  static struct worker wk[WORKERS];
  int i, good = 0, started = 0;
  double end;

  memset(wk, 0, sizeof wk);
  for (i = 0; i < WORKERS; ++i) {
    __atomic_store_n(&wk[i].ready, 0, __ATOMIC_RELAXED);
    if (pthread_create(&wk[i].th, NULL, worker_main, &wk[i]))
      bail("pthread_create failed");
  }
  end = mono_now() + 10.;
  for (i = 0; i < WORKERS; ++i) {
    while (__atomic_load_n(&wk[i].ready, __ATOMIC_SEQ_CST) == 0
           && mono_now() < end)
      ev_sleep(0.001);
    if (__atomic_load_n(&wk[i].ready, __ATOMIC_SEQ_CST) == 1) {
      ++started;
      /* Let the worker block in its poll first. */
      ev_sleep(0.02);
      ev_async_send(wk[i].loop, &wk[i].a);
    }
  }
  for (i = 0; i < WORKERS; ++i) {
    pthread_join(wk[i].th, NULL);
    good += wk[i].calls == 1 && !wk[i].timed_out;
  }
  is_int(started, WORKERS, "%d threads each made their own loop [%s]",
         WORKERS, bn);
  is_int(good, WORKERS, "a send from the main thread woke each thread's "
         "blocked loop exactly once [%s]", bn);
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  bflag = b->flag;
  test_pending_and_coalesce();
  test_many_senders(0);
  test_many_senders(1);
  test_from_signal_handler();
  test_loop_per_thread();
}

int
main(void)
{
  tap_start(60);
  for_each_backend(per_backend);
  return 0;
}
