/* fork_child.c - a loop carried across fork() into the child.
 *
 * For every backend, three ways: a loop from ev_loop_new with ev_loop_fork
 * called in the child, an EVFLAG_FORKCHECK loop where the child calls
 * nothing, and the default loop with ev_loop_fork.  In the child, fork
 * watchers run once, io watchers and timers set up before the fork keep
 * working, new timers work, ev_async wakes the loop from a thread, and on
 * the default loop signals and child watchers work.  The child reports
 * what it saw through a pipe that the parent watches with an io watcher
 * registered before the fork: receiving the report proves the child's
 * re-registration left the parent's kernel state (the epoll set) alone.
 * The parent's fork watcher never runs; its timers and async keep
 * working.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *bn;
static unsigned int bflag;

enum mode { EXPLICIT, FORKCHECK, DEFAULT_LOOP };
static const char *const mode_name[] = {
  "ev_loop_fork", "EVFLAG_FORKCHECK", "default loop + ev_loop_fork"
};

/* What the child saw, sent to the parent in one write. */
struct report {
  int fork_calls;
  int io_calls;
  char io_byte;
  int pre_timer_calls;
  int new_timer_calls;
  int async_calls;
  int sig_calls;
  int child_calls;
  int child_rpid_ok;
  int child_status;
  int verified;
  int timed_out;
};

/* Counters of whichever process runs the callbacks. */
static struct report seen;
static int got_report;
static struct report report;
static int parent_ticks;
static int parent_child_calls, parent_child_status;

static void
fork_cb(struct ev_loop *l, ev_fork *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  ++seen.fork_calls;
}

static void
child_io_cb(struct ev_loop *l, ev_io *w, int revents)
{
  char c;
  (void)l;
  (void)revents;
  if (read(w->fd, &c, 1) == 1) {
    ++seen.io_calls;
    seen.io_byte = c;
  }
}

static void
report_io_cb(struct ev_loop *l, ev_io *w, int revents)
{
  (void)l;
  (void)revents;
  if (read(w->fd, &report, sizeof report) == (ssize_t)sizeof report)
    got_report = 1;
}

static void
pre_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  ++seen.pre_timer_calls;
}

static void
new_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  ++seen.new_timer_calls;
}

static void
tick_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  ++parent_ticks;
}

static void
async_cb(struct ev_loop *l, ev_async *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  ++seen.async_calls;
}

static void
sig_cb(struct ev_loop *l, ev_signal *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  ++seen.sig_calls;
}

static pid_t grandchild;

static void
grandchild_cb(struct ev_loop *l, ev_child *w, int revents)
{
  (void)revents;
  ++seen.child_calls;
  seen.child_rpid_ok = w->rpid == grandchild;
  seen.child_status = w->rstatus;
  ev_child_stop(l, w);
}

static void
parent_child_cb(struct ev_loop *l, ev_child *w, int revents)
{
  (void)revents;
  ++parent_child_calls;
  parent_child_status = w->rstatus;
  ev_child_stop(l, w);
}

static void
guard_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)revents;
  *(int *)w->data = 1;
}

struct async_target {
  struct ev_loop *loop;
  ev_async *w;
};

static void *
async_sender(void *arg)
{
  struct async_target *t = arg;
  ev_sleep(0.05);
  ev_async_send(t->loop, t->w);
  return NULL;
}

/* Everything the loop carries across the fork. */
struct setup {
  struct ev_loop *loop;
  int rep[2];   /* report pipe: child -> parent */
  int cpipe[2]; /* data for the child's io watcher */
  ev_io rep_w, child_w;
  ev_fork fork_w;
  ev_timer pre_timer;
  ev_async async_w;
  ev_signal sig_w;
};

static void
in_child(struct setup *s, enum mode m)
{
  struct ev_loop *loop = s->loop;
  struct async_target tgt;
  ev_timer new_timer, guard;
  ev_child cw;
  pthread_t th;
  int expired = 0, i;

  signal(SIGALRM, SIG_DFL);
  alarm(15);
  memset(&seen, 0, sizeof seen);
  if (m != FORKCHECK)
    ev_loop_fork(loop);
  /* The child leaves the report pipe to the parent. */
  ev_io_stop(loop, &s->rep_w);
  close(s->rep[0]);

  if (write(s->cpipe[1], "x", 1) != 1)
    _exit(20);
  ev_timer_init(&new_timer, new_timer_cb, 0.05, 0.);
  ev_timer_start(loop, &new_timer);
  ev_timer_init(&guard, guard_cb, 5., 0.);
  guard.data = &expired;
  ev_timer_start(loop, &guard);
  tgt.loop = loop;
  tgt.w = &s->async_w;
  if (pthread_create(&th, NULL, async_sender, &tgt))
    _exit(21);
  if (m == DEFAULT_LOOP) {
    fflush(stdout);
    grandchild = fork();
    if (grandchild == 0)
      _exit(5);
    ev_child_init(&cw, grandchild_cb, grandchild, 0);
    ev_child_start(loop, &cw);
    raise(SIGUSR1);
  }

  while (!expired && !(seen.io_calls && seen.pre_timer_calls
                       && seen.new_timer_calls && seen.async_calls
                       && (m != DEFAULT_LOOP
                           || (seen.sig_calls && seen.child_calls))))
    ev_run(loop, EVRUN_ONCE);
  for (i = 0; i < 3; ++i)
    ev_run(loop, EVRUN_NOWAIT);
  pthread_join(th, NULL);
  seen.timed_out = expired;
  ev_verify(loop);
  seen.verified = 1;
  if (write(s->rep[1], &seen, sizeof seen) != (ssize_t)sizeof seen)
    _exit(22);
  _exit(0);
}

static void
fork_round(enum mode m)
{
  const char *mn = mode_name[m];
  struct setup s;
  struct ev_loop *loop;
  struct async_target tgt;
  ev_timer tick, guard;
  ev_child pcw;
  pthread_t th;
  pid_t pid;
  int expired = 0, status = 0;

  memset(&s, 0, sizeof s);
  if (m == DEFAULT_LOOP)
    loop = ev_default_loop(bflag | EVFLAG_NOENV);
  else
    loop = ev_loop_new(bflag | EVFLAG_NOENV
                       | (m == FORKCHECK ? EVFLAG_FORKCHECK : 0));
  if (!loop)
    bail("cannot make the %s loop for %s", mn, bn);
  s.loop = loop;
  make_pipe(s.rep);
  make_pipe(s.cpipe);
  ev_io_init(&s.rep_w, report_io_cb, s.rep[0], EV_READ);
  ev_io_start(loop, &s.rep_w);
  ev_io_init(&s.child_w, child_io_cb, s.cpipe[0], EV_READ);
  ev_io_start(loop, &s.child_w);
  ev_fork_init(&s.fork_w, fork_cb);
  ev_fork_start(loop, &s.fork_w);
  ev_timer_init(&s.pre_timer, pre_timer_cb, 0.2, 0.);
  ev_timer_start(loop, &s.pre_timer);
  ev_async_init(&s.async_w, async_cb);
  ev_async_start(loop, &s.async_w);
  if (m == DEFAULT_LOOP) {
    ev_signal_init(&s.sig_w, sig_cb, SIGUSR1);
    ev_signal_start(loop, &s.sig_w);
  }
  /* Register everything with the kernel before forking. */
  ev_run(loop, EVRUN_NOWAIT);

  fflush(stdout);
  pid = fork();
  if (pid < 0)
    bail("fork: %s", strerror(errno));
  if (pid == 0)
    in_child(&s, m);

  memset(&seen, 0, sizeof seen);
  got_report = 0;
  parent_ticks = 0;
  parent_child_calls = 0;
  parent_child_status = -1;
  ev_io_stop(loop, &s.child_w);
  ev_timer_init(&tick, tick_cb, 0.02, 0.02);
  ev_timer_start(loop, &tick);
  ev_timer_init(&guard, guard_cb, 10., 0.);
  guard.data = &expired;
  ev_timer_start(loop, &guard);
  if (m == DEFAULT_LOOP) {
    ev_child_init(&pcw, parent_child_cb, pid, 0);
    ev_child_start(loop, &pcw);
  }
  while (!expired && !(got_report
                       && (m != DEFAULT_LOOP || parent_child_calls)))
    ev_run(loop, EVRUN_ONCE);
  if (m == DEFAULT_LOOP) {
    status = parent_child_status;
  } else {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
      ;
  }

  ok(got_report, "the parent received the child's report through an io "
     "watcher registered before the fork: the child left the parent's "
     "kernel state alone (%s) [%s]", mn, bn);
  ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child exited "
     "normally (status 0x%x) (%s) [%s]", (unsigned)status, mn, bn);
  if (got_report) {
    is_int(report.fork_calls, 1, "child: the fork watcher ran once (%s) "
           "[%s]", mn, bn);
    ok(report.io_calls == 1 && report.io_byte == 'x', "child: an io watcher "
       "started before the fork reads pipe data (%s) [%s]", mn, bn);
    is_int(report.pre_timer_calls, 1, "child: a timer started before the "
           "fork fires (%s) [%s]", mn, bn);
    is_int(report.new_timer_calls, 1, "child: a timer started in the child "
           "fires (%s) [%s]", mn, bn);
    is_int(report.async_calls, 1, "child: ev_async_send from a thread wakes "
           "the child's loop (%s) [%s]", mn, bn);
    if (m == DEFAULT_LOOP) {
      is_int(report.sig_calls, 1, "child: the default loop's SIGUSR1 "
             "watcher gets a raise() in the child (%s) [%s]", mn, bn);
      ok(report.child_calls == 1 && report.child_rpid_ok
         && WIFEXITED(report.child_status)
         && WEXITSTATUS(report.child_status) == 5, "child: ev_child sees "
         "its own child exit with 5 (%s) [%s]", mn, bn);
    }
    is_int(report.verified, 1, "child: ev_verify passed (%s) [%s]", mn, bn);
    is_int(report.timed_out, 0, "child: all of it within the time limit "
           "(%s) [%s]", mn, bn);
  } else {
    skip("no report from the child", "child checks (%s) [%s]", mn, bn);
  }
  is_int(seen.fork_calls, 0, "parent: the fork watcher never ran (%s) "
         "[%s]", mn, bn);
  ok(parent_ticks >= 1, "parent: its timers keep running (%d ticks) (%s) "
     "[%s]", parent_ticks, mn, bn);

  /* The parent's wake-up descriptor still works after the child made its
   * own. */
  expired = 0;
  ev_timer_stop(loop, &guard);
  ev_timer_set(&guard, 5., 0.);
  ev_timer_start(loop, &guard);
  seen.async_calls = 0;
  tgt.loop = loop;
  tgt.w = &s.async_w;
  if (pthread_create(&th, NULL, async_sender, &tgt))
    bail("pthread_create failed");
  while (!expired && !seen.async_calls)
    ev_run(loop, EVRUN_ONCE);
  pthread_join(th, NULL);
  is_int(seen.async_calls, 1, "parent: ev_async_send from a thread still "
         "wakes the parent's loop (%s) [%s]", mn, bn);
  is_int(seen.fork_calls, 0, "parent: still no fork watcher call (%s) "
         "[%s]", mn, bn);

  ev_timer_stop(loop, &tick);
  ev_timer_stop(loop, &guard);
  ev_timer_stop(loop, &s.pre_timer);
  ev_io_stop(loop, &s.rep_w);
  ev_fork_stop(loop, &s.fork_w);
  ev_async_stop(loop, &s.async_w);
  if (m == DEFAULT_LOOP) {
    ev_signal_stop(loop, &s.sig_w);
    ev_child_stop(loop, &pcw);
  }
  ev_verify(loop);
  ev_loop_destroy(loop);
  close(s.rep[0]);
  close(s.rep[1]);
  close(s.cpipe[0]);
  close(s.cpipe[1]);
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  bflag = b->flag;
  fork_round(EXPLICIT);
  fork_round(FORKCHECK);
  fork_round(DEFAULT_LOOP);
}

int
main(void)
{
  tap_start(60);
  for_each_backend(per_backend);
  return 0;
}
