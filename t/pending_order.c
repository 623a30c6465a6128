/* pending_order.c - the pending queue: invocation order by priority and
 * LIFO within a priority, merging of repeated feeds, ev_clear_pending,
 * ev_pending_count, ev_invoke, ev_invoke_pending, priority clamping, and
 * stopping a pending watcher.
 */
#include "testlib.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char *bn; /* backend name of the current round */

/* Invocation log: each watcher's data points at a one-letter name. */
static char seq[64];
static size_t nseq;
static int last_revents;

static void
log_reset(void)
{
  nseq = 0;
  memset(seq, 0, sizeof seq);
  last_revents = 0;
}

static void
log_letter(void *data, int revents)
{
  if (nseq < sizeof seq - 1)
    seq[nseq++] = *(const char *)data;
  last_revents = revents;
}

static void
log_cb(struct ev_loop *l, ev_watcher *w, int revents)
{
  (void)l;
  log_letter(w->data, revents);
}

static void
name_watcher(ev_watcher *w, const char *name, int pri)
{
  ev_init(w, log_cb);
  w->data = (void *)name;
  ev_set_priority(w, pri);
}

static void
test_priority_order(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_watcher a, bw, c, d, e;

  log_reset();
  name_watcher(&a, "A", 0);
  name_watcher(&bw, "B", 0);
  name_watcher(&c, "C", 2);
  name_watcher(&d, "D", -2);
  name_watcher(&e, "E", 1);
  ev_feed_event(loop, &a, EV_CUSTOM);
  ev_feed_event(loop, &bw, EV_CUSTOM);
  ev_feed_event(loop, &d, EV_CUSTOM);
  ev_feed_event(loop, &c, EV_CUSTOM);
  ev_feed_event(loop, &e, EV_CUSTOM);
  is_int(ev_pending_count(loop), 5, "five fed watchers are pending [%s]", bn);
  ok(ev_is_pending(&a) && ev_is_pending(&c) && ev_is_pending(&d),
     "fed watchers report ev_is_pending [%s]", bn);
  ok(!ev_is_active(&a), "feeding does not make a watcher active [%s]", bn);
  ev_run(loop, EVRUN_NOWAIT);
  is_str(seq, "CEBAD", "fed A,B (p0), D (p-2), C (p2), E (p1) run as "
         "C E B A D [%s]", bn);
  is_hex((unsigned)last_revents, EV_CUSTOM, "callbacks get the fed revents "
         "[%s]", bn);
  is_int(ev_pending_count(loop), 0, "nothing is pending afterwards [%s]",
         bn);
  ok(!ev_is_pending(&a) && !ev_is_pending(&d), "ev_is_pending is false "
     "after invocation [%s]", bn);
  ev_loop_destroy(loop);
}

static void
test_lifo(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  static const char *names[] = { "1", "2", "3", "4", "5" };
  ev_watcher w[5], lo[2];
  int i;

  log_reset();
  for (i = 0; i < 5; ++i) {
    name_watcher(&w[i], names[i], 0);
    ev_feed_event(loop, &w[i], EV_CUSTOM);
  }
  ev_run(loop, EVRUN_NOWAIT);
  is_str(seq, "54321", "within one priority the last fed runs first [%s]",
         bn);

  log_reset();
  name_watcher(&lo[0], "x", -1);
  name_watcher(&lo[1], "y", -1);
  ev_feed_event(loop, &lo[0], EV_CUSTOM);
  ev_feed_event(loop, &w[0], EV_CUSTOM);
  ev_feed_event(loop, &lo[1], EV_CUSTOM);
  ev_feed_event(loop, &w[1], EV_CUSTOM);
  ev_invoke_pending(loop);
  is_str(seq, "21yx", "LIFO holds per priority when priorities interleave "
         "[%s]", bn);
  ev_loop_destroy(loop);
}

static void
test_merge_and_clear(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_watcher w, a, bw, c;

  log_reset();
  name_watcher(&w, "W", 0);
  ev_feed_event(loop, &w, EV_READ);
  ev_feed_event(loop, &w, EV_WRITE);
  is_int(ev_pending_count(loop), 1, "feeding a watcher twice leaves one "
         "pending entry [%s]", bn);
  is_hex((unsigned)ev_clear_pending(loop, &w), EV_READ | EV_WRITE,
         "ev_clear_pending returns the OR of both feeds (0x3) [%s]", bn);
  ok(!ev_is_pending(&w), "the watcher is no longer pending [%s]", bn);
  /* Not checked: libev keeps counting the cleared slot in
   * ev_pending_count until the queue is next run. */
  ev_run(loop, EVRUN_NOWAIT);
  is_str(seq, "", "a cleared watcher is not invoked [%s]", bn);
  is_int(ev_pending_count(loop), 0, "ev_pending_count is 0 after the next "
         "run [%s]", bn);
  is_int(ev_clear_pending(loop, &w), 0, "ev_clear_pending on a watcher that "
         "is not pending returns 0 [%s]", bn);

  ev_feed_event(loop, &w, EV_READ);
  ev_feed_event(loop, &w, EV_CUSTOM);
  ev_run(loop, EVRUN_NOWAIT);
  is_str(seq, "W", "a watcher fed twice is invoked once [%s]", bn);
  is_hex((unsigned)last_revents, EV_READ | EV_CUSTOM, "with the merged "
         "revents [%s]", bn);

  /* Clearing one entry in the middle of a queue keeps the others. */
  log_reset();
  name_watcher(&a, "A", 0);
  name_watcher(&bw, "B", 0);
  name_watcher(&c, "C", 0);
  ev_feed_event(loop, &a, EV_CUSTOM);
  ev_feed_event(loop, &bw, EV_TIMER);
  ev_feed_event(loop, &c, EV_CUSTOM);
  is_int(ev_pending_count(loop), 3, "three pending [%s]", bn);
  is_hex((unsigned)ev_clear_pending(loop, &bw), EV_TIMER,
         "ev_clear_pending returns the watcher's revents [%s]", bn);
  ok(ev_is_pending(&a) && ev_is_pending(&c), "the others stay pending [%s]",
     bn);
  ev_run(loop, EVRUN_NOWAIT);
  is_str(seq, "CA", "the remaining two run in order [%s]", bn);
  ev_verify(loop);
  ev_loop_destroy(loop);
}

static int invoked;
static int invoked_revents;

static void
invoke_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  ++invoked;
  invoked_revents = revents;
}

static void
test_invoke(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_timer t;

  invoked = 0;
  ev_timer_init(&t, invoke_cb, 10., 0.);
  ev_invoke(loop, &t, 0x1234);
  is_int(invoked, 1, "ev_invoke calls the callback [%s]", bn);
  is_hex((unsigned)invoked_revents, 0x1234, "with the given revents [%s]",
         bn);
  ok(!ev_is_active(&t) && !ev_is_pending(&t), "ev_invoke neither starts "
     "nor queues the watcher [%s]", bn);
  is_int(ev_pending_count(loop), 0, "nothing became pending [%s]", bn);

  ev_timer_start(loop, &t);
  ev_feed_event(loop, &t, EV_TIMER);
  invoked = 0;
  ev_invoke(loop, &t, EV_CUSTOM);
  is_int(invoked, 1, "ev_invoke calls a pending, active watcher's callback "
         "[%s]", bn);
  ok(ev_is_pending(&t) && ev_is_active(&t), "and leaves it pending and "
     "active [%s]", bn);
  is_int(ev_pending_count(loop), 1, "the pending entry is still there "
         "[%s]", bn);
  is_hex((unsigned)ev_clear_pending(loop, &t), EV_TIMER, "with its own "
         "revents [%s]", bn);
  ev_timer_stop(loop, &t);
  ev_loop_destroy(loop);
}

static void
test_feed_unstarted(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_timer t;
  int r;

  invoked = 0;
  ev_timer_init(&t, invoke_cb, 10., 0.);
  ev_feed_event(loop, &t, EV_TIMER);
  ok(ev_is_pending(&t), "ev_feed_event makes an unstarted watcher pending "
     "[%s]", bn);
  ok(!ev_is_active(&t), "but not active [%s]", bn);
  r = ev_run(loop, EVRUN_NOWAIT);
  is_int(invoked, 1, "its callback runs in the next ev_run [%s]", bn);
  is_hex((unsigned)invoked_revents, EV_TIMER, "with the fed revents [%s]",
         bn);
  is_int(r, 0, "a fed, unstarted watcher holds no reference [%s]", bn);
  ok(!ev_is_active(&t) && !ev_is_pending(&t), "it is idle again [%s]", bn);
  ev_loop_destroy(loop);
}

/* A callback that feeds other watchers while the queue is being run. */
static ev_watcher fx, fy, fz, fh, fs, fl;
static int self_feeds;

static void
feeding_cb(struct ev_loop *l, ev_watcher *w, int revents)
{
  log_letter(w->data, revents);
  ev_feed_event(l, &fh, EV_CUSTOM);
  ev_feed_event(l, &fs, EV_CUSTOM);
  ev_feed_event(l, &fl, EV_CUSTOM);
}

static void
self_feed_cb(struct ev_loop *l, ev_watcher *w, int revents)
{
  log_letter(w->data, revents);
  if (self_feeds++ == 0)
    ev_feed_event(l, w, EV_CUSTOM);
}

static void
test_feed_from_callback(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_watcher r;

  log_reset();
  name_watcher(&fx, "X", 0);
  name_watcher(&fy, "Y", 0);
  fy.cb = feeding_cb;
  name_watcher(&fz, "Z", -1);
  name_watcher(&fh, "H", 2);
  name_watcher(&fs, "S", 0);
  name_watcher(&fl, "L", -2);
  ev_feed_event(loop, &fx, EV_CUSTOM);
  ev_feed_event(loop, &fz, EV_CUSTOM);
  ev_feed_event(loop, &fy, EV_CUSTOM);
  ev_run(loop, EVRUN_NOWAIT);
  /* Y runs first (LIFO); it feeds H (p2), S (p0) and L (p-2).  H must run
   * before the remaining X and Z, S before X (LIFO), L last. */
  is_str(seq, "YHSXZL", "watchers fed from a callback: higher priority runs "
         "next, same priority LIFO, lower after the rest [%s]", bn);
  is_int(ev_pending_count(loop), 0, "all of them ran in the same pass "
         "[%s]", bn);

  log_reset();
  self_feeds = 0;
  name_watcher(&r, "R", 0);
  r.cb = self_feed_cb;
  ev_feed_event(loop, &fx, EV_CUSTOM);
  ev_feed_event(loop, &r, EV_CUSTOM);
  ev_invoke_pending(loop);
  is_str(seq, "RRX", "a watcher feeding itself from its callback runs again "
         "right away [%s]", bn);
  ev_loop_destroy(loop);
}

/* A callback that clears or stops a watcher queued behind it. */
static ev_watcher ca;
static ev_timer cat;
static int cleared_revents;

static void
clearing_cb(struct ev_loop *l, ev_watcher *w, int revents)
{
  log_letter(w->data, revents);
  cleared_revents = ev_clear_pending(l, &ca);
  ev_timer_stop(l, &cat);
}

static void
test_clear_from_callback(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_watcher c;

  log_reset();
  name_watcher(&ca, "A", 0);
  ev_timer_init(&cat, invoke_cb, 10., 0.);
  name_watcher(&c, "C", 1);
  c.cb = clearing_cb;
  invoked = 0;
  ev_timer_start(loop, &cat);
  ev_feed_event(loop, &ca, EV_READ);
  ev_feed_event(loop, &cat, EV_TIMER);
  ev_feed_event(loop, &c, EV_CUSTOM);
  ev_run(loop, EVRUN_NOWAIT);
  is_str(seq, "C", "a watcher cleared by an earlier callback is not invoked "
         "[%s]", bn);
  is_hex((unsigned)cleared_revents, EV_READ, "ev_clear_pending from a "
         "callback returned its revents [%s]", bn);
  is_int(invoked, 0, "a pending timer stopped by an earlier callback is not "
         "invoked [%s]", bn);
  ok(!ev_is_active(&cat) && !ev_is_pending(&cat), "the stopped timer is "
     "neither active nor pending [%s]", bn);
  ev_loop_destroy(loop);
}

static void
idle_log_cb(struct ev_loop *l, ev_idle *w, int revents)
{
  (void)l;
  log_letter(w->data, revents);
}

static void
test_priority_clamp(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_timer t;
  ev_idle i;

  ev_timer_init(&t, invoke_cb, 10., 0.);
  is_int(ev_priority(&t), 0, "the default priority is 0 [%s]", bn);
  ev_set_priority(&t, 7);
  is_int(ev_priority(&t), 7, "an inactive watcher keeps priority 7 as set "
         "[%s]", bn);
  ev_timer_start(loop, &t);
  is_int(ev_priority(&t), EV_MAXPRI, "starting clamps priority 7 to 2 [%s]",
         bn);
  ev_timer_stop(loop, &t);
  is_int(ev_priority(&t), EV_MAXPRI, "the clamped priority stays after stop "
         "[%s]", bn);

  ev_set_priority(&t, -9);
  is_int(ev_priority(&t), -9, "an inactive watcher keeps priority -9 as set "
         "[%s]", bn);
  ev_timer_start(loop, &t);
  is_int(ev_priority(&t), EV_MINPRI, "starting clamps priority -9 to -2 "
         "[%s]", bn);
  ev_timer_stop(loop, &t);

  ev_set_priority(&t, -1);
  ev_timer_start(loop, &t);
  is_int(ev_priority(&t), -1, "an in-range priority is kept at start [%s]",
         bn);
  ev_timer_stop(loop, &t);

  ev_idle_init(&i, idle_log_cb);
  i.data = (void *)"I";
  ev_set_priority(&i, 100);
  ev_idle_start(loop, &i);
  is_int(ev_priority(&i), 2, "an idle watcher's priority 100 clamps to 2 "
         "[%s]", bn);
  log_reset();
  ev_run(loop, EVRUN_NOWAIT);
  is_str(seq, "I", "the clamped watcher is invoked normally [%s]", bn);
  ev_idle_stop(loop, &i);
  ev_verify(loop);
  ev_loop_destroy(loop);
}

/* ---- stopping a pending watcher clears it, for every watcher type ------ */

/* One counting callback per watcher type, so that no callback is ever
 * called through a pointer of the wrong type. */
#define COUNTING_CB(type)                                                  \
  static void                                                              \
  count_##type##_cb(struct ev_loop *l, ev_##type *w, int revents)          \
  {                                                                        \
    (void)l;                                                               \
    (void)w;                                                               \
    (void)revents;                                                         \
    ++invoked;                                                             \
  }                                                                        \
  static void                                                              \
  stop_##type(struct ev_loop *l, void *w)                                  \
  {                                                                        \
    ev_##type##_stop(l, (ev_##type *)w);                                   \
  }
COUNTING_CB(io)
COUNTING_CB(timer)
COUNTING_CB(periodic)
COUNTING_CB(signal)
COUNTING_CB(child)
COUNTING_CB(stat)
COUNTING_CB(idle)
COUNTING_CB(prepare)
COUNTING_CB(check)
COUNTING_CB(fork)
COUNTING_CB(cleanup)
COUNTING_CB(embed)
COUNTING_CB(async)

static void
check_stop_clears(struct ev_loop *loop, void *w, const char *type,
                  void (*stop)(struct ev_loop *, void *))
{
  invoked = 0;
  ev_feed_event(loop, w, EV_CUSTOM);
  stop(loop, w);
  ok(!ev_is_pending((ev_watcher *)w) && !ev_is_active((ev_watcher *)w),
     "stopping a pending, never-started %s watcher clears its pending state "
     "[%s]", type, bn);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(invoked, 0, "the stopped %s watcher is not invoked [%s]", type, bn);
}

static void
test_stop_clears_pending(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_io io;
  ev_timer tm;
  ev_periodic pe;
  ev_signal sg;
  ev_child ch;
  ev_stat st;
  ev_idle id;
  ev_prepare pr;
  ev_check ck;
  ev_fork fk;
  ev_cleanup cl;
  ev_embed em;
  ev_async as;

  ev_io_init(&io, count_io_cb, 0, EV_READ);
  check_stop_clears(loop, &io, "io", stop_io);
  ev_timer_init(&tm, count_timer_cb, 1., 0.);
  check_stop_clears(loop, &tm, "timer", stop_timer);
  ev_periodic_init(&pe, count_periodic_cb, 0., 10., 0);
  check_stop_clears(loop, &pe, "periodic", stop_periodic);
  ev_signal_init(&sg, count_signal_cb, SIGUSR1);
  check_stop_clears(loop, &sg, "signal", stop_signal);
  ev_child_init(&ch, count_child_cb, 0, 0);
  check_stop_clears(loop, &ch, "child", stop_child);
  ev_stat_init(&st, count_stat_cb, "/", 0.);
  check_stop_clears(loop, &st, "stat", stop_stat);
  ev_idle_init(&id, count_idle_cb);
  check_stop_clears(loop, &id, "idle", stop_idle);
  ev_prepare_init(&pr, count_prepare_cb);
  check_stop_clears(loop, &pr, "prepare", stop_prepare);
  ev_check_init(&ck, count_check_cb);
  check_stop_clears(loop, &ck, "check", stop_check);
  ev_fork_init(&fk, count_fork_cb);
  check_stop_clears(loop, &fk, "fork", stop_fork);
  ev_cleanup_init(&cl, count_cleanup_cb);
  check_stop_clears(loop, &cl, "cleanup", stop_cleanup);
  ev_embed_init(&em, count_embed_cb, loop);
  check_stop_clears(loop, &em, "embed", stop_embed);
  ev_async_init(&as, count_async_cb);
  check_stop_clears(loop, &as, "async", stop_async);

  /* An active and pending watcher: stop clears both. */
  invoked = 0;
  ev_timer_start(loop, &tm);
  ev_feed_event(loop, &tm, EV_TIMER);
  ev_timer_stop(loop, &tm);
  ok(!ev_is_active(&tm) && !ev_is_pending(&tm), "stopping an active, "
     "pending timer clears both states [%s]", bn);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(invoked, 0, "and it is not invoked [%s]", bn);
  ev_verify(loop);
  ev_loop_destroy(loop);
}

static unsigned int manual_depth, manual_iteration;

static void
manual_cb(struct ev_loop *l, ev_watcher *w, int revents)
{
  log_letter(w->data, revents);
  manual_depth = ev_depth(l) + 100;
  manual_iteration = ev_iteration(l);
}

static void
test_manual_invoke_pending(const struct test_backend *b)
{
  struct ev_loop *loop = test_loop_new(b->flag);
  ev_watcher p, q, r;
  unsigned int it;

  ev_run(loop, EVRUN_NOWAIT);
  it = ev_iteration(loop);
  log_reset();
  name_watcher(&p, "P", -1);
  name_watcher(&q, "Q", 1);
  name_watcher(&r, "R", 0);
  p.cb = q.cb = r.cb = manual_cb;
  ev_feed_event(loop, &p, EV_CUSTOM);
  ev_feed_event(loop, &q, EV_CUSTOM);
  ev_feed_event(loop, &r, EV_CUSTOM);
  ev_invoke_pending(loop);
  is_str(seq, "QRP", "ev_invoke_pending outside ev_run runs everything in "
         "priority order [%s]", bn);
  is_int(ev_pending_count(loop), 0, "nothing is left pending [%s]", bn);
  is_int(manual_depth, 100, "callbacks see ev_depth 0 [%s]", bn);
  is_int(manual_iteration, it, "ev_invoke_pending does not count an "
         "iteration [%s]", bn);
  ev_invoke_pending(loop);
  is_int((int)nseq, 3, "a second ev_invoke_pending with nothing pending "
         "does nothing [%s]", bn);
  ev_loop_destroy(loop);
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  test_priority_order(b);
  test_lifo(b);
  test_merge_and_clear(b);
  test_invoke(b);
  test_feed_unstarted(b);
  test_feed_from_callback(b);
  test_clear_from_callback(b);
  test_priority_clamp(b);
  test_stop_clears_pending(b);
  test_manual_invoke_pending(b);
}

int
main(void)
{
  tap_start(60);
  for_each_backend(per_backend);
  return 0;
}
