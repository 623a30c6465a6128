/* child_status.c - ev_child and the default loop's SIGCHLD handling.
 *
 * Exit status, rpid/rstatus, the forced EV_MAXPRI priority, pid 0 for any
 * child, stop/continue reports only with trace=1, reaping of unwatched
 * children, a watcher started after the child already exited, the SIGCHLD
 * handler installed by ev_default_loop itself and removed again by
 * ev_loop_destroy, and the abort for a non-default loop.
 *
 * Child watchers live on the default loop only, so each backend round
 * creates the default loop with that backend and destroys it at the end.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *bn;
static unsigned int bflag;

struct cprobe {
  ev_child w;
  int calls;
  int revents;
  int rpid;
  int rstatus;
  int prio_in_cb;
  int active_in_cb;
  int statuses[8];  /* every rstatus seen, in order */
  int rpids[8];     /* every rpid seen, in order */
};

static void
cprobe_cb(struct ev_loop *loop, ev_child *w, int revents)
{
  struct cprobe *p = (struct cprobe *)w;

  (void)loop;
  if (p->calls < 8) {
    p->statuses[p->calls] = w->rstatus;
    p->rpids[p->calls] = w->rpid;
  }
  ++p->calls;
  p->revents = revents;
  p->rpid = w->rpid;
  p->rstatus = w->rstatus;
  p->prio_in_cb = ev_priority(w);
  p->active_in_cb = ev_is_active(w) ? 1 : 0;
}

static void
cprobe_init(struct cprobe *p, int pid, int trace)
{
  memset(p, 0, sizeof *p);
  ev_child_init(&p->w, cprobe_cb, pid, trace);
}

static void
noop_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

static void
noop_child_cb(struct ev_loop *l, ev_child *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

static pid_t
spawn(int how)
{
  pid_t pid;

  fflush(stdout);
  pid = fork();
  if (pid < 0)
    bail("fork: %s", strerror(errno));
  if (pid == 0) {
    if (how >= 0)
      _exit(how);
    /* how < 0: linger up to 10 s so the parent can stop and kill us. */
    for (how = 0; how < 200; ++how)
      usleep(50000);
    _exit(3);
  }
  return pid;
}

static int
handler_installed(int signum, int *flags)
{
  struct sigaction sa;
  sigaction(signum, NULL, &sa);
  *flags = sa.sa_flags;
  return (sa.sa_flags & SA_SIGINFO) || (sa.sa_handler != SIG_DFL
                                        && sa.sa_handler != SIG_IGN);
}

/* Did `p` see child `pid` exit with `code`? */
static int
saw_exit(const struct cprobe *p, pid_t pid, int code)
{
  int i;
  for (i = 0; i < p->calls && i < 8; ++i)
    if (p->rpids[i] == pid && WIFEXITED(p->statuses[i])
        && WEXITSTATUS(p->statuses[i]) == code)
      return 1;
  return 0;
}

static void
test_exit_status(struct ev_loop *loop)
{
  struct cprobe one, any;
  pid_t pid, pid2;
  int st;

  /* Two children, so that the pid 0 watcher is not tied to one hash
   * slot by luck of the pid number. */
  cprobe_init(&one, 0, 0);
  cprobe_init(&any, 0, 0);
  pid = spawn(7);
  pid2 = spawn(8);
  ev_child_set(&one.w, pid, 0);
  ev_set_priority(&one.w, -1);
  ev_child_start(loop, &one.w);
  ev_child_start(loop, &any.w);
  wait_calls(loop, &one.calls, 1, 10.);
  wait_calls(loop, &any.calls, 2, 5.);
  ev_run(loop, EVRUN_NOWAIT);

  is_int(one.calls, 1, "a pid-specific child watcher fires once when its "
         "child exits, not for the other child [%s]", bn);
  is_hex((unsigned)one.revents, EV_CHILD, "... with EV_CHILD [%s]", bn);
  is_int(one.rpid, pid, "... rpid is the child's pid [%s]", bn);
  ok(WIFEXITED(one.rstatus) && WEXITSTATUS(one.rstatus) == 7, "... rstatus "
     "says exited with 7 (0x%x) [%s]", (unsigned)one.rstatus, bn);
  is_int(one.prio_in_cb, EV_MAXPRI, "... its priority (set to -1) was "
         "forced to EV_MAXPRI [%s]", bn);
  is_int(one.active_in_cb, 1, "... it is still active in the callback (the "
         "user stops it) [%s]", bn);
  is_int(any.calls, 2, "a pid 0 watcher fires once for each of two "
         "children [%s]", bn);
  if (!ok(saw_exit(&any, pid, 7), "... with rpid/rstatus of the first "
          "child (pid %d, exit 7) [%s]", (int)pid, bn))
    diag("pid 0 watcher saw %d report(s); pid %% 16 = %d", any.calls,
         (int)(pid % 16));
  if (!ok(saw_exit(&any, pid2, 8), "... and of the second child (pid %d, "
          "exit 8) [%s]", (int)pid2, bn))
    diag("pid 0 watcher saw %d report(s); pid %% 16 = %d", any.calls,
         (int)(pid2 % 16));
  is_int(any.prio_in_cb, EV_MAXPRI, "... at EV_MAXPRI too [%s]", bn);
  errno = 0;
  ok(waitpid(pid, &st, WNOHANG) == -1 && errno == ECHILD, "the loop reaped "
     "the child (waitpid: ECHILD) [%s]", bn);
  ev_child_stop(loop, &one.w);
  ev_child_stop(loop, &any.w);
  ok(!ev_is_active(&one.w) && !ev_is_active(&any.w), "ev_child_stop "
     "deactivates both [%s]", bn);
  ev_verify(loop);
}

/* The watcher may start after the child exited, before the loop runs. */
static void
test_late_watcher(struct ev_loop *loop)
{
  struct cprobe c;
  pid_t pid = spawn(9);

  ev_sleep(0.2);
  cprobe_init(&c, pid, 0);
  ev_child_start(loop, &c.w);
  wait_calls(loop, &c.calls, 1, 10.);
  is_int(c.calls, 1, "a watcher started after the child already exited "
         "still gets its status [%s]", bn);
  ok(c.calls && WIFEXITED(c.rstatus) && WEXITSTATUS(c.rstatus) == 9,
     "... exit status 9 [%s]", bn);
  ev_child_stop(loop, &c.w);
}

static void
test_trace(struct ev_loop *loop)
{
  struct cprobe tr, plain;
  pid_t pid = spawn(-1);

  cprobe_init(&tr, pid, 1);
  cprobe_init(&plain, pid, 0);
  ev_child_start(loop, &tr.w);
  ev_child_start(loop, &plain.w);

  kill(pid, SIGSTOP);
  wait_calls(loop, &tr.calls, 1, 5.);
  ok(tr.calls >= 1 && WIFSTOPPED(tr.statuses[0])
     && WSTOPSIG(tr.statuses[0]) == SIGSTOP, "trace=1: SIGSTOP is reported "
     "(status 0x%x) [%s]", (unsigned)tr.statuses[0], bn);
  is_int(plain.calls, 0, "trace=0: the stop is not reported [%s]", bn);

  kill(pid, SIGCONT);
  wait_calls(loop, &tr.calls, 2, 5.);
  ok(tr.calls >= 2 && WIFCONTINUED(tr.statuses[1]), "trace=1: SIGCONT is "
     "reported as continued (status 0x%x) [%s]", (unsigned)tr.statuses[1],
     bn);
  is_int(plain.calls, 0, "trace=0: the continue is not reported [%s]", bn);

  kill(pid, SIGKILL);
  wait_calls(loop, &plain.calls, 1, 5.);
  wait_calls(loop, &tr.calls, 3, 5.);
  ok(plain.calls == 1 && WIFSIGNALED(plain.rstatus)
     && WTERMSIG(plain.rstatus) == SIGKILL, "trace=0: the death by SIGKILL "
     "is reported once [%s]", bn);
  ok(tr.calls == 3 && WIFSIGNALED(tr.statuses[2]), "trace=1: so is the "
     "death, as its third report [%s]", bn);
  ev_child_stop(loop, &tr.w);
  ev_child_stop(loop, &plain.w);
}

static void
test_unwatched(struct ev_loop *loop)
{
  ev_timer tick;
  pid_t pid = spawn(3);
  double end = mono_now() + 5.;
  int st, gone = 0;

  ev_timer_init(&tick, noop_timer_cb, 0.02, 0.02);
  ev_timer_start(loop, &tick);
  while (mono_now() < end) {
    ev_run(loop, EVRUN_ONCE);
    errno = 0;
    if (kill(pid, 0) < 0 && errno == ESRCH) {
      gone = 1;
      break;
    }
  }
  ev_timer_stop(loop, &tick);
  ok(gone, "a child nobody watches is reaped by the running loop anyway "
     "(no zombie left) [%s]", bn);
  errno = 0;
  ok(waitpid(pid, &st, WNOHANG) == -1 && errno == ECHILD, "... waitpid "
     "afterwards gives ECHILD [%s]", bn);
}

static void
non_default_child(void *arg)
{
  struct ev_loop *l = test_loop_new(bflag);
  ev_child c;

  (void)arg;
  ev_child_init(&c, noop_child_cb, 0, 0);
  ev_child_start(l, &c);
}

static void
test_non_default(void)
{
  struct child_result res;

  run_in_child(non_default_child, NULL, 10., &res);
#ifdef EVIX_TEST_LIBEV
  ok(aborted_with(&res, NULL), "ev_child_start on a loop from ev_loop_new "
     "aborts [%s]", bn);
#else
  ok(aborted_with(&res, "evix: ev_child_start: ", "default loop", NULL),
     "ev_child_start on a loop from ev_loop_new aborts with \"default "
     "loop\" [%s]", bn);
#endif
}

static void
per_backend(const struct test_backend *b)
{
  struct ev_loop *loop;
  struct sigaction sa;
  int flags;

  bn = b->name;
  bflag = b->flag;
  sigaction(SIGCHLD, NULL, &sa);
  ok(!(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_DFL, "before the "
     "default loop exists SIGCHLD is SIG_DFL [%s]", bn);
  loop = ev_default_loop(b->flag | EVFLAG_NOENV);
  if (!loop)
    bail("ev_default_loop(%s) failed", bn);
  is_hex(ev_backend(loop), b->flag, "the default loop uses the requested "
         "backend [%s]", bn);
  ok(handler_installed(SIGCHLD, &flags), "ev_default_loop installs a "
     "SIGCHLD handler before any child watcher exists [%s]", bn);
  ok(flags & SA_RESTART, "... with SA_RESTART [%s]", bn);
  ok(!(flags & SA_NOCLDSTOP), "... without SA_NOCLDSTOP (stops are "
     "reported) [%s]", bn);
  is_int(ev_run(loop, EVRUN_NOWAIT), 0, "the internal SIGCHLD watcher holds "
         "no loop reference [%s]", bn);

  test_exit_status(loop);
  test_late_watcher(loop);
  test_trace(loop);
  test_unwatched(loop);
  test_non_default();

  ev_loop_destroy(loop);
  sigaction(SIGCHLD, NULL, &sa);
  ok(!(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_DFL,
     "ev_loop_destroy of the default loop resets SIGCHLD to SIG_DFL [%s]",
     bn);
}

int
main(void)
{
  tap_start(60);
  for_each_backend(per_backend);
  return 0;
}
