/* verify.c - ev_verify: check every internal structure of a loop.
 *
 * Meant for tests and debugging: it walks the fd table, the timer heap,
 * the watcher arrays and the pending queues, and aborts with a message
 * naming the first broken invariant (see evix-internal.h).
 */
#include "heap.h"
#include "pending.h"
#include "stat.h"

#define VERIFY(cond, ...)                        \
  do {                                           \
    if (EVIX_UNLIKELY(!(cond)))                  \
      evix__misuse("ev_verify", __VA_ARGS__);    \
  } while (0)

static void
verify_watcher(const ev_watcher *w, const char *what)
{
  VERIFY(w->priority >= EV_MINPRI && w->priority <= EV_MAXPRI,
         "%s watcher %p has priority %d outside %d..%d", what, (void *)w,
         w->priority, EV_MINPRI, EV_MAXPRI);
}

static void
verify_warray(const struct evix_warray *a, const char *what)
{
  int i;
  VERIFY(a->cnt >= 0 && a->cnt <= a->max, "%s array count %d of %d", what,
         a->cnt, a->max);
  for (i = 0; i < a->cnt; ++i) {
    VERIFY(a->w[i]->active == i + 1,
           "%s watcher %p at index %d has active=%d", what, (void *)a->w[i],
           i, a->w[i]->active);
    verify_watcher(a->w[i], what);
  }
}

static void
verify_fds(struct ev_loop *loop)
{
  int fd, i, found;

  for (fd = 0; fd < loop->fdmax; ++fd) {
    const ev_watcher_list *w;
    int n = 0;
    for (w = loop->fds[fd].head; w; w = w->next) {
      const ev_io *io = (const ev_io *)w;
      VERIFY(io->active == 1, "io watcher %p on fd %d is not active",
             (void *)io, fd);
      VERIFY(io->fd == fd, "io watcher %p listed on fd %d has fd %d",
             (void *)io, fd, io->fd);
      VERIFY(!(io->events & ~(EV_READ | EV_WRITE)),
             "io watcher %p on fd %d has event mask %#x", (void *)io, fd,
             (unsigned)io->events);
      verify_watcher((const ev_watcher *)w, "io");
      VERIFY(++n <= 1000000, "io watcher list of fd %d is cyclic", fd);
    }
    if (loop->fds[fd].reify) {
      for (i = found = 0; i < loop->fdchangecnt; ++i)
        found |= loop->fdchanges[i] == fd;
      VERIFY(found, "fd %d is marked changed but not on the change list",
             fd);
    }
  }
  for (i = 0; i < loop->fdchangecnt; ++i) {
    int c = loop->fdchanges[i];
    VERIFY(c >= 0 && c < loop->fdmax && loop->fds[c].reify,
           "change list entry %d (fd %d) is not marked changed", i, c);
  }
}

static void
verify_timers(struct ev_loop *loop)
{
  int bad, k;

  VERIFY(loop->timercnt >= 0 &&
             (loop->timercnt == 0 ||
              EVIX_HEAP0 + loop->timercnt <= loop->timermax),
         "timer heap count %d exceeds its size %d", loop->timercnt,
         loop->timermax);
  if (!evix__heap_valid(loop->timers, EVIX_HEAP0 + loop->timercnt, &bad))
    evix__misuse("ev_verify",
                 "timer heap broken at slot %d (watcher %p, active=%d, "
                 "at=%f, cached at=%f)",
                 bad, (void *)loop->timers[bad].w,
                 loop->timers[bad].w->active, loop->timers[bad].w->at,
                 loop->timers[bad].at);
  for (k = EVIX_HEAP0; k < EVIX_HEAP0 + loop->timercnt; ++k)
    verify_watcher((const ev_watcher *)loop->timers[k].w, "timer");
}

static void
verify_periodics(struct ev_loop *loop)
{
  int bad, k;

  if (!evix__heap_valid(loop->periodics, EVIX_HEAP0 + loop->periodiccnt,
                        &bad))
    evix__misuse("ev_verify", "periodic heap broken at slot %d", bad);
  for (k = EVIX_HEAP0; k < EVIX_HEAP0 + loop->periodiccnt; ++k)
    verify_watcher((const ev_watcher *)loop->periodics[k].w, "periodic");
}

static void
verify_pending(struct ev_loop *loop)
{
  int pri, i;

  for (pri = 0; pri < EVIX_NUMPRI; ++pri) {
    VERIFY(loop->pendingcnt[pri] >= 0 &&
               loop->pendingcnt[pri] <= loop->pendingmax[pri],
           "pending queue %d count %d of %d", pri, loop->pendingcnt[pri],
           loop->pendingmax[pri]);
    for (i = 0; i < loop->pendingcnt[pri]; ++i) {
      const ev_watcher *w = loop->pendings[pri][i].w;
      if (w == (const ev_watcher *)&loop->pending_w)
        continue;
      VERIFY(w->pending == i + 1,
             "watcher %p in pending queue %d slot %d has pending=%d",
             (void *)w, pri, i, w->pending);
    }
  }
}

void
ev_verify(struct ev_loop *loop) EV_NOEXCEPT
{
  int pri, idles = 0;

  verify_fds(loop);
  verify_timers(loop);
  verify_periodics(loop);
  verify_pending(loop);
  for (pri = 0; pri < EVIX_NUMPRI; ++pri) {
    verify_warray(&loop->idles[pri], "idle");
    idles += loop->idles[pri].cnt;
  }
  VERIFY(idles == loop->idleall, "%d idle watchers counted, %d listed",
         loop->idleall, idles);
  verify_warray(&loop->prepares, "prepare");
  verify_warray(&loop->checks, "check");
  verify_warray(&loop->forks, "fork");
  verify_warray(&loop->cleanups, "cleanup");
  verify_warray(&loop->asyncs, "async");
  evix__signals_verify(loop);
  evix__childs_verify(loop);
  evix__stat_verify(loop);
}
