/* run.c - ev_run: one iteration after another, each in a fixed order of
 * phases, and the calls that decide when ev_run returns.
 *
 * An iteration:
 *   1. after a fork (ev_loop_fork, or EVFLAG_FORKCHECK saw a new pid) the
 *      fork watchers run;
 *   2. prepare watchers run; a pending ev_break ends ev_run here;
 *   3. kernel state is re-created after a fork or when it went stale, and
 *      fd changes are applied;
 *   4. the time is updated and the wait computed: zero if nothing can wake
 *      us or something is ready to run, otherwise until the next timer or
 *      periodic;
 *   5. the backend waits (between the release and acquire callbacks);
 *   6. fd events, expired timers, expired periodics, idle watchers (if
 *      nothing else is pending) and check watchers are queued in this
 *      order, and everything queued is invoked, highest priority first and
 *      LIFO within a priority - so checks run first and fd events last.
 */
#include "backend.h"
#include "heap.h"
#include "pending.h"
#include "stat.h"

#include <errno.h>
#include <unistd.h>

static void
invoke_pending(struct ev_loop *loop)
{
  loop->invoke_cb(loop);
}

/* How long the backend may block. */
static ev_tstamp
compute_wait(struct ev_loop *loop, int flags)
{
  ev_tstamp wait;

  if ((flags & EVRUN_NOWAIT) || loop->idleall || !loop->activecnt ||
      __atomic_load_n(&loop->pipe_write_skipped, __ATOMIC_SEQ_CST))
    return 0.;

  wait = loop->timerfd >= 0 ? EVIX_MAX_BLOCKTIME_TIMERFD : EVIX_MAX_BLOCKTIME;
  if (loop->timercnt) {
    ev_tstamp to = loop->timers[EVIX_HEAP0].at - loop->mono;
    if (to < wait)
      wait = to;
  }
  if (loop->periodiccnt) {
    ev_tstamp to = loop->periodics[EVIX_HEAP0].at - loop->now;
    if (to < wait)
      wait = to;
  }
  /* The collect interval lets timers batch up; never below it. */
  if (wait < loop->timeout_blocktime)
    wait = loop->timeout_blocktime;
  if (wait <= 0.)
    return 0.;
  /* A timer due in less than the backend can express: wait the minimum
   * rather than spin until it is due. */
  if (wait < loop->backend->mintime)
    wait = loop->backend->mintime;
  return wait;
}

/* One blocking wait, for evix_set_wait_wrapper's wrapper to run. */
struct wait_call {
  struct ev_loop *loop;
  ev_tstamp timeout;
  int result;
  int err;
  int called;
};

static void
wait_call_run(void *arg)
{
  struct wait_call *c = arg;

  c->result = c->loop->backend->wait(c->loop, c->timeout);
  c->err = errno;
  c->called = 1;
}

static int
backend_wait(struct ev_loop *loop, ev_tstamp wait)
{
  struct wait_call c;

  /* Only a wait that may block is worth the wrapper's cost (releasing a
   * runtime lock); a zero wait is made directly. */
  if (EVIX_LIKELY(!loop->wait_wrapper) || wait <= 0.)
    return loop->backend->wait(loop, wait);

  c.loop = loop;
  c.timeout = wait;
  c.result = -1;
  c.err = EINTR;
  c.called = 0;
  loop->wait_wrapper(loop, wait_call_run, &c, loop->wait_wrapper_data);
  errno = c.called ? c.err : EINTR;
  return c.called ? c.result : -1;
}

static void
poll_backend(struct ev_loop *loop, ev_tstamp wait)
{
  int r;

  ++loop->iteration;
  loop->blocking = 1;
  if (loop->release_cb)
    loop->release_cb(loop);
  r = backend_wait(loop, wait);
  if (loop->acquire_cb)
    loop->acquire_cb(loop);
  loop->blocking = 0;
  loop->backend->collect(loop, r);

  /* A wake-up that came while we were not blocking (wakeup.c).  Clearing
   * pipe_write_wanted needs no fence: a writer that still sees it set
   * only writes once more than necessary. */
  if (loop->pipe_w.active) {
    __atomic_store_n(&loop->pipe_write_wanted, 0, __ATOMIC_RELAXED);
    if (__atomic_load_n(&loop->pipe_write_skipped, __ATOMIC_SEQ_CST))
      evix__feed(loop, (ev_watcher *)&loop->pipe_w, EV_CUSTOM);
  }
}

/* Re-creates the kernel objects a forked child must not share. */
static void
after_fork(struct ev_loop *loop)
{
  evix__evpipe_fork(loop);
  evix__timerfd_fork(loop);
  evix__stat_fork(loop);
}

int
ev_run(struct ev_loop *loop, int flags)
{
  if (EVIX_UNLIKELY(loop->blocking))
    evix__misuse("ev_run", "recursion: called from the loop's own release "
                           "or acquire callback");
  ++loop->depth;
  loop->loop_done = EVBREAK_CANCEL;

  /* Watchers fed before ev_run (ev_feed_event) run before the first wait. */
  invoke_pending(loop);

  do {
    ev_tstamp wait;

    if (EVIX_UNLIKELY(loop->curpid) && getpid() != loop->curpid) {
      loop->curpid = getpid();
      loop->postfork = 1;
    }

    if (EVIX_UNLIKELY(loop->postfork) && loop->forks.cnt) {
      evix__queue_events(loop, loop->forks.w, loop->forks.cnt, EV_FORK);
      invoke_pending(loop);
    }

    if (loop->prepares.cnt) {
      evix__queue_events(loop, loop->prepares.w, loop->prepares.cnt,
                         EV_PREPARE);
      invoke_pending(loop);
    }

    if (EVIX_UNLIKELY(loop->loop_done))
      break;

    if (EVIX_UNLIKELY(loop->postfork || loop->backend_rebuild)) {
      if (loop->postfork)
        after_fork(loop);
      loop->postfork = 0;
      evix__loop_reinit(loop);
    }

    if (loop->fdchangecnt)
      evix__fd_reify(loop);

    evix__time_update(loop);
    /* From here on, writers must wake us with a write (wakeup.c).  Only
     * loops with a wake-up channel have writers: it exists before the
     * first ev_async or ev_signal can be started. */
    if (loop->pipe_w.active)
      __atomic_store_n(&loop->pipe_write_wanted, 1, __ATOMIC_SEQ_CST);
    wait = compute_wait(loop, flags);
    if (EVIX_UNLIKELY(loop->io_blocktime > 0.) && wait > 0.) {
      /* Sleep first so that more io can accumulate per wakeup. */
      ev_tstamp nap = loop->io_blocktime;
      if (nap > wait - loop->backend->mintime)
        nap = wait - loop->backend->mintime;
      if (nap > 0.) {
        ev_sleep(nap);
        wait -= nap;
      }
    }

    poll_backend(loop, wait);
    evix__time_update(loop);

    /* The common case - nothing due, no idlers - costs no calls. */
    if (loop->timercnt && loop->timers[EVIX_HEAP0].at < loop->mono)
      evix__timers_reify(loop);
    if (loop->periodiccnt && loop->periodics[EVIX_HEAP0].at < loop->now)
      evix__periodics_reify(loop);
    if (loop->idleall)
      evix__idle_reify(loop);
    if (loop->checks.cnt)
      evix__queue_events(loop, loop->checks.w, loop->checks.cnt, EV_CHECK);

    invoke_pending(loop);
  } while (EVIX_LIKELY(loop->activecnt && !loop->loop_done &&
                       !(flags & (EVRUN_ONCE | EVRUN_NOWAIT))));

  if (loop->loop_done == EVBREAK_ONE)
    loop->loop_done = EVBREAK_CANCEL;
  --loop->depth;
  return loop->activecnt;
}

void
ev_break(struct ev_loop *loop, int how) EV_NOEXCEPT
{
  loop->loop_done = how;
}

void
ev_ref(struct ev_loop *loop) EV_NOEXCEPT
{
  ++loop->activecnt;
}

void
ev_unref(struct ev_loop *loop) EV_NOEXCEPT
{
  --loop->activecnt;
}

unsigned int
ev_iteration(struct ev_loop *loop) EV_NOEXCEPT
{
  return loop->iteration;
}

unsigned int
ev_depth(struct ev_loop *loop) EV_NOEXCEPT
{
  return loop->depth;
}
