/* child.c - ev_child: process status changes, on the default loop only.
 *
 * The default loop owns SIGCHLD from the moment it is created, through an
 * internal signal watcher of the highest priority that holds no loop
 * reference.  Each SIGCHLD reaps children one at a time with waitpid(-1),
 * so unwatched children are reaped too; after each reaped child the
 * watcher queues itself again, so that the callbacks for one child run
 * before the next child is looked at.
 */
#include "pending.h"

#include <errno.h>
#include <sys/wait.h>

#define CHILD_HASHSIZE 16

static ev_watcher_list *childs[CHILD_HASHSIZE];
static ev_signal childev;

/* Feeds the watchers in one hash slot that want this child's news. */
static void
child_reap_slot(struct ev_loop *loop, int slot, int pid, int status)
{
  int traced = WIFSTOPPED(status) || WIFCONTINUED(status);
  ev_watcher_list *wl;

  for (wl = childs[slot]; wl; wl = wl->next) {
    ev_child *w = (ev_child *)wl;
    if ((w->pid == pid || !w->pid) && (!traced || (w->flags & 1))) {
      /* Child watchers run before anything else of this iteration. */
      w->priority = EV_MAXPRI;
      w->rpid = pid;
      w->rstatus = status;
      evix__feed(loop, (ev_watcher *)w, EV_CHILD);
    }
  }
}

static void
child_reap(struct ev_loop *loop, int pid, int status)
{
  int slot = pid & (CHILD_HASHSIZE - 1);

  child_reap_slot(loop, slot, pid, status);
  /* Watchers for any child (pid 0) live in slot 0. */
  if (slot != 0)
    child_reap_slot(loop, 0, pid, status);
}

static void
childcb(struct ev_loop *loop, ev_signal *sw, int revents)
{
  int pid, status;

  (void)revents;
  pid = waitpid(-1, &status, WNOHANG | WUNTRACED | WCONTINUED);
  if (pid <= 0)
    return;
  /* Come back for the next child after this one's callbacks ran. */
  evix__feed(loop, (ev_watcher *)sw, EV_SIGNAL);
  child_reap(loop, pid, status);
}

void
evix__child_init(struct ev_loop *loop)
{
  ev_signal_init(&childev, childcb, SIGCHLD);
  ev_set_priority(&childev, EV_MAXPRI);
  ev_signal_start(loop, &childev);
  ev_unref(loop);
}

void
evix__child_free(struct ev_loop *loop)
{
  if (childev.active) {
    ev_ref(loop);
    ev_signal_stop(loop, &childev);
  }
}

void
evix__childs_verify(struct ev_loop *loop)
{
  int slot;

  if (loop != ev_default_loop_ptr)
    return;
  for (slot = 0; slot < CHILD_HASHSIZE; ++slot) {
    const ev_watcher_list *w;
    int n = 0;
    for (w = childs[slot]; w; w = w->next) {
      const ev_child *cw = (const ev_child *)w;
      if (cw->active != 1 || (cw->pid & (CHILD_HASHSIZE - 1)) != slot ||
          ++n > 1000000)
        evix__misuse("ev_verify", "child watcher list %d is corrupt "
                                  "(watcher %p: active=%d pid=%d)",
                     slot, (void *)cw, cw->active, cw->pid);
    }
  }
}

void
ev_child_start(struct ev_loop *loop, ev_child *w) EV_NOEXCEPT
{
  ev_watcher_list **head;

  if (EVIX_UNLIKELY(w->active))
    return;
  if (EVIX_UNLIKELY(loop != ev_default_loop_ptr))
    evix__misuse("ev_child_start",
                 "child watchers are only supported in the default loop");
  evix__start(loop, (ev_watcher *)w, 1, "ev_child_start");
  head = &childs[w->pid & (CHILD_HASHSIZE - 1)];
  w->next = *head;
  *head = (ev_watcher_list *)w;
}

void
ev_child_stop(struct ev_loop *loop, ev_child *w) EV_NOEXCEPT
{
  ev_watcher_list **pp;

  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;
  for (pp = &childs[w->pid & (CHILD_HASHSIZE - 1)];
       *pp != (ev_watcher_list *)w; pp = &(*pp)->next)
    if (EVIX_UNLIKELY(!*pp))
      evix__misuse("ev_child_stop", "watcher is not on its pid's list (pid "
                                    "changed while active?)");
  *pp = w->next;
  evix__stop(loop, (ev_watcher *)w);
}
