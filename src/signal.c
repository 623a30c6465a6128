/* signal.c - ev_signal.
 *
 * Signals are process-wide, so the table of who watches which signal is
 * global: each signal belongs to at most one loop at a time, and all of
 * that loop's watchers for it share one delivery.  Two ways in:
 *  - by default, a sigaction handler that only records the signal and
 *    wakes the owning loop (wakeup.c); the loop then feeds the watchers;
 *  - with EVFLAG_SIGNALFD, the signal is blocked and read from a signalfd
 *    by an internal watcher, with no handler at all.
 * The handler is installed with SA_RESTART and every signal blocked while
 * it runs; when the last watcher of a signal stops, the disposition goes
 * back to SIG_DFL.
 */
#include "pending.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYS_SIGNALFD_H
#include <sys/signalfd.h>
#endif

struct evix_signal {
  struct ev_loop *loop;  /* owner, or NULL; read by the handler */
  ev_watcher_list *head; /* the owner's watchers */
  int pending;           /* arrived, not yet delivered (atomic) */
};

static struct evix_signal signals[EVIX_NSIG - 1];

void
ev_feed_signal(int signum) EV_NOEXCEPT
{
  struct ev_loop *loop;

  if (signum <= 0 || signum >= EVIX_NSIG)
    return;
  loop = __atomic_load_n(&signals[signum - 1].loop, __ATOMIC_SEQ_CST);
  if (!loop)
    return;
  __atomic_store_n(&signals[signum - 1].pending, 1, __ATOMIC_SEQ_CST);
  evix__wakeup(loop, &loop->sig_pending);
}

static void
signal_handler(int signum)
{
  ev_feed_signal(signum);
}

void
ev_feed_signal_event(struct ev_loop *loop, int signum) EV_NOEXCEPT
{
  ev_watcher_list *w;

  if (signum <= 0 || signum >= EVIX_NSIG)
    return;
  if (signals[signum - 1].loop != loop)
    return;
  __atomic_store_n(&signals[signum - 1].pending, 0, __ATOMIC_SEQ_CST);
  for (w = signals[signum - 1].head; w; w = w->next)
    evix__feed(loop, (ev_watcher *)w, EV_SIGNAL);
}

void
evix__signals_deliver(struct ev_loop *loop)
{
  int i;
  for (i = 0; i < EVIX_NSIG - 1; ++i)
    if (__atomic_load_n(&signals[i].pending, __ATOMIC_SEQ_CST))
      ev_feed_signal_event(loop, i + 1);
}

#ifdef HAVE_SYS_SIGNALFD_H
static void
sigfd_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct signalfd_siginfo si[8];
  ssize_t r;

  (void)w;
  (void)revents;
  while ((r = read(loop->sigfd, si, sizeof si)) > 0) {
    size_t i, n = (size_t)r / sizeof si[0];
    for (i = 0; i < n; ++i)
      ev_feed_signal_event(loop, (int)si[i].ssi_signo);
    if (n < sizeof si / sizeof si[0])
      break;
  }
}

/* Adds signum to the loop's signalfd, creating it on first use.  Returns 0,
 * or -1 if signalfd is unavailable (the caller falls back to a handler). */
static int
sigfd_add(struct ev_loop *loop, int signum)
{
  sigset_t one;

  if (loop->sigfd < 0) {
    sigset_t empty;
    sigemptyset(&empty);
    loop->sigfd = signalfd(-1, &empty, SFD_NONBLOCK | SFD_CLOEXEC);
    if (loop->sigfd < 0)
      return -1;
    sigemptyset(&loop->sigfd_set);
    ev_io_init(&loop->sigfd_w, sigfd_cb, loop->sigfd, EV_READ);
    ev_set_priority(&loop->sigfd_w, EV_MAXPRI);
    ev_io_start(loop, &loop->sigfd_w);
    ev_unref(loop);
  }
  sigaddset(&loop->sigfd_set, signum);
  signalfd(loop->sigfd, &loop->sigfd_set, 0);
  /* A signal read through signalfd must not be delivered normally. */
  sigemptyset(&one);
  sigaddset(&one, signum);
  sigprocmask(SIG_BLOCK, &one, NULL);
  return 0;
}

static int
uses_sigfd(struct ev_loop *loop, int signum)
{
  return loop->sigfd >= 0 && sigismember(&loop->sigfd_set, signum) == 1;
}

static void
sigfd_del(struct ev_loop *loop, int signum)
{
  sigset_t one;

  sigdelset(&loop->sigfd_set, signum);
  signalfd(loop->sigfd, &loop->sigfd_set, 0);
  sigemptyset(&one);
  sigaddset(&one, signum);
  sigprocmask(SIG_UNBLOCK, &one, NULL);
}
#endif

void
ev_signal_start(struct ev_loop *loop, ev_signal *w) EV_NOEXCEPT
{
  int signum = w->signum;
  struct evix_signal *s;

  if (EVIX_UNLIKELY(w->active))
    return;
  if (EVIX_UNLIKELY(signum <= 0 || signum >= EVIX_NSIG))
    evix__misuse("ev_signal_start", "signal number %d out of range 1..%d",
                 signum, EVIX_NSIG - 1);
  s = &signals[signum - 1];
  if (EVIX_UNLIKELY(s->loop && s->loop != loop))
    evix__misuse("ev_signal_start",
                 "signal %d is already watched by another loop (a signal "
                 "must not be attached to two different loops)", signum);

  evix__start(loop, (ev_watcher *)w, 1, "ev_signal_start");
  __atomic_store_n(&s->loop, loop, __ATOMIC_SEQ_CST);
  w->next = s->head;
  s->head = (ev_watcher_list *)w;
  if (w->next)
    return; /* the signal is already being received */

#ifdef HAVE_SYS_SIGNALFD_H
  if ((loop->flags & EVFLAG_SIGNALFD) && sigfd_add(loop, signum) == 0)
    return;
#endif
  {
    struct sigaction sa;

    evix__evpipe_init(loop);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = signal_handler;
    sigfillset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(signum, &sa, NULL);
    if (loop->origflags & EVFLAG_NOSIGMASK) {
      sigset_t one;
      sigemptyset(&one);
      sigaddset(&one, signum);
      sigprocmask(SIG_UNBLOCK, &one, NULL);
    }
  }
}

void
ev_signal_stop(struct ev_loop *loop, ev_signal *w) EV_NOEXCEPT
{
  int signum = w->signum;
  struct evix_signal *s;
  ev_watcher_list **pp;

  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  if (EVIX_UNLIKELY(signum <= 0 || signum >= EVIX_NSIG))
    evix__misuse("ev_signal_stop", "signal number %d changed while the "
                                   "watcher was active", signum);
  s = &signals[signum - 1];
  for (pp = &s->head; *pp != (ev_watcher_list *)w; pp = &(*pp)->next)
    if (EVIX_UNLIKELY(!*pp))
      evix__misuse("ev_signal_stop", "watcher is not on signal %d's list",
                   signum);
  *pp = w->next;
  evix__stop(loop, (ev_watcher *)w);
  if (s->head)
    return;

  __atomic_store_n(&s->loop, NULL, __ATOMIC_SEQ_CST);
#ifdef HAVE_SYS_SIGNALFD_H
  if (uses_sigfd(loop, signum)) {
    sigfd_del(loop, signum);
    return;
  }
#endif
  signal(signum, SIG_DFL);
}

void
evix__signals_verify(struct ev_loop *loop)
{
  int i;

  for (i = 0; i < EVIX_NSIG - 1; ++i) {
    const ev_watcher_list *w;
    int n = 0;

    if (signals[i].loop != loop)
      continue;
    if (!signals[i].head)
      evix__misuse("ev_verify", "signal %d is owned by the loop but has no "
                                "watchers", i + 1);
    for (w = signals[i].head; w; w = w->next) {
      const ev_signal *sw = (const ev_signal *)w;
      if (sw->active != 1 || sw->signum != i + 1 || ++n > 1000000)
        evix__misuse("ev_verify", "signal %d's watcher list is corrupt "
                                  "(watcher %p: active=%d signum=%d)",
                     i + 1, (void *)sw, sw->active, sw->signum);
    }
  }
}

void
evix__signal_loop_gone(struct ev_loop *loop)
{
  int i;
  /* Watchers still active on a destroyed loop: stop routing their
   * signals to it (dispositions are left as they are). */
  for (i = 0; i < EVIX_NSIG - 1; ++i)
    if (signals[i].loop == loop) {
      __atomic_store_n(&signals[i].loop, NULL, __ATOMIC_SEQ_CST);
      signals[i].head = NULL;
    }
}

void
evix__sigfd_free(struct ev_loop *loop)
{
  if (loop->sigfd < 0)
    return;
  if (loop->sigfd_w.active) {
    ev_ref(loop);
    ev_io_stop(loop, &loop->sigfd_w);
  }
  close(loop->sigfd);
  loop->sigfd = -1;
}
