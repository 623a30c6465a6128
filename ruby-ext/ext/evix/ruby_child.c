/* ruby_child.c - Evix::Child: the exit of a child process.
 *
 *   c = Evix::Child.new(loop, pid) { |w, status| ... }
 *   c.start; c.stop; c.pid; c.rpid; c.status; c.rstatus
 *
 * `pid` is a child's pid, 0 (any child in our process group), -1 (any
 * child) or -pgid (any child in that group).  The block gets the watcher
 * and a real Process::Status (made by Process::Status.wait, so the child
 * is reaped just before the block runs); w.rpid is its pid.  The watcher
 * has stopped by then: it reports one exit per #start.  #start raises
 * Errno::ECHILD when there is no such child to wait for (TypeError for a
 * non-Integer pid).  Until the block runs nothing is reaped: a watcher
 * stopped before that leaves the child to Process.wait and friends.
 *
 * Ruby owns SIGCHLD, so libev's child watchers (which need a SIGCHLD
 * handler) are not used.  A pid > 0 is watched through a pidfd
 * (pidfd_open) with an io watcher: readable once the child has exited.
 * Everything else (pid <= 0, no pidfd support, Evix::Child.pidfd =
 * false) uses a helper thread blocked, without the GVL, in a waitid()
 * that does not reap (WNOWAIT); it wakes the loop through an ev_async.
 * #start first looks without waiting, so a child that has already exited
 * is reported at once.
 */
#include "evix_ext.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(HAVE_PIDFD_OPEN) && defined(HAVE_SYS_PIDFD_H)
#include <sys/pidfd.h>
#define CHILD_PIDFD_CALL 1
#elif defined(__linux__)
#include <sys/syscall.h>
#endif

static VALUE cChild, cStatus;
static ID id_wait, id_pid, id_to_i, id_kill, id_join, id_new, id_name_set,
  id_report_on_exception_set;

/* Whether pidfds are tried (Evix::Child.pidfd=), and whether the kernel
 * has them (cleared on ENOSYS). */
static int pidfd_enabled = 1;
static int pidfd_kernel = 1;

enum { CHILD_STOPPED, CHILD_PIDFD, CHILD_ASYNC };

struct child_data {
  pid_t pid;         /* as given */
  int mode;          /* how the current start watches */
  int pidfd;         /* with CHILD_PIDFD */
  pid_t exited;      /* a child seen exited (not reaped yet), or 0 */
  int error;         /* errno of the helper thread's waitid, or 0 */
  unsigned long gen; /* bumped by every start and stop: a helper thread of
                      * an earlier start must not deliver */
};

static int
open_pidfd(pid_t pid)
{
#if defined(CHILD_PIDFD_CALL)
  return pidfd_open(pid, 0);
#elif defined(__linux__) && defined(SYS_pidfd_open)
  return (int)syscall(SYS_pidfd_open, pid, 0);
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

static int
pidfd_available(void)
{
#if defined(CHILD_PIDFD_CALL) || (defined(__linux__) && defined(SYS_pidfd_open))
  return pidfd_enabled && pidfd_kernel;
#else
  return 0;
#endif
}

/* ---- looking without reaping ------------------------------------------- */

/* waitid() for the children `pid` names, leaving them waitable: 0 and
 * *found (0 if none has exited yet), or an errno value. */
static int
peek_exit(pid_t pid, int options, pid_t *found)
{
  siginfo_t si;
  idtype_t type;
  id_t id;

  if (pid > 0) {
    type = P_PID;
    id = (id_t)pid;
  } else if (pid == -1) {
    type = P_ALL;
    id = 0;
  } else {
    type = P_PGID;
    id = (id_t)(pid == 0 ? getpgrp() : -pid);
  }
  memset(&si, 0, sizeof si);
  if (waitid(type, id, &si, WEXITED | WNOWAIT | options) < 0)
    return errno;
  *found = si.si_pid;
  return 0;
}

static NORETURN(void raise_echild(pid_t pid));

static void
raise_echild(pid_t pid)
{
  rb_syserr_fail_str(ECHILD, rb_sprintf("no child process %ld to wait for",
                                        (long)pid));
}

/* ---- the kind ------------------------------------------------------------- */

static void
child_start(struct ev_loop *loop, ev_watcher *ew)
{
  evix_rb_watcher_t *w = ew->data;
  struct child_data *cd = w->kind_data;

  if (cd->mode == CHILD_PIDFD)
    ev_io_start(loop, &w->ev.io);
  else
    ev_async_start(loop, &w->ev.async);
}

static VALUE
end_thread(VALUE thread)
{
  rb_funcall(thread, id_kill, 0);
  return rb_funcall(thread, id_join, 0);
}

static void
child_stop(struct ev_loop *loop, ev_watcher *ew)
{
  evix_rb_watcher_t *w = ew->data;
  struct child_data *cd = w->kind_data;

  if (cd->mode == CHILD_PIDFD) {
    ev_io_stop(loop, &w->ev.io);
    close(cd->pidfd);
    cd->pidfd = -1;
  } else if (cd->mode == CHILD_ASYNC) {
    ev_async_stop(loop, &w->ev.async);
  }
  cd->mode = CHILD_STOPPED;
  cd->exited = 0;
  cd->error = 0;
  ++cd->gen;
  /* A waiting helper thread is ended and joined (not from a free
   * function: while it runs it references the watcher, so that happens
   * only at exit).  It reaps nothing, but it would still wake the loop. */
  if (!evix_rb_freeing && !NIL_P(w->target)) {
    VALUE thread = w->target;
    int state = 0;
    RB_OBJ_WRITE(w->self, &w->target, Qnil);
    rb_protect(end_thread, thread, &state);
    if (state)
      rb_set_errinfo(Qnil);
  }
}

static void start_watching(evix_rb_watcher_t *w);

/* Turns the event into the block's Process::Status, reaping the child. */
static VALUE
child_event_arg(evix_rb_watcher_t *w, int revents)
{
  struct child_data *cd = w->kind_data;
  pid_t which;
  int error = cd->error;
  VALUE st;

  if (cd->mode == CHILD_PIDFD && (revents & EV_READ))
    which = cd->pid; /* the pidfd says it has exited */
  else if (cd->mode == CHILD_ASYNC && (cd->exited || error))
    which = cd->exited;
  else
    return Qundef; /* a fed event, or nothing yet: no block */
  evix_rb_watcher_stop(w);
  if (error)
    rb_syserr_fail_str(error, rb_sprintf("waitid for child %ld",
                                         (long)cd->pid));
  st = rb_funcall(cStatus, id_wait, 2, PIDT2NUM(which), INT2FIX(WNOHANG));
  if (NIL_P(st) || NUM2LONG(rb_funcall(st, id_pid, 0)) <= 0) {
    /* Reaped by someone else meanwhile.  For "any child" that is no
     * reason to stop: look again. */
    if (cd->pid > 0)
      raise_echild(cd->pid);
    start_watching(w);
    return Qundef;
  }
  RB_OBJ_WRITE(w->self, &w->extra, st);
  return st;
}

static size_t
child_memsize(const evix_rb_watcher_t *w)
{
  (void)w;
  return sizeof(struct child_data);
}

static const struct evix_rb_kind child_kind = {
  "child", child_start, child_stop, child_event_arg, child_memsize
};

/* ---- the helper thread ---------------------------------------------------- */

struct blocking_peek {
  pid_t pid;
  int error;
  pid_t found;
};

/* Without the GVL: only the system call. */
static void *
blocking_peek_call(void *p)
{
  struct blocking_peek *b = p;
  b->error = peek_exit(b->pid, 0, &b->found);
  return NULL;
}

/* The thread's body: Thread.new(watcher, gen) { ... }.  Thread#kill
 * interrupts the waitid (RUBY_UBF_PROCESS) and ends the thread. */
static VALUE
waiter_body(RB_BLOCK_CALL_FUNC_ARGLIST(yielded, data))
{
  VALUE self;
  evix_rb_watcher_t *w;
  struct child_data *cd;
  struct blocking_peek b;

  (void)yielded;
  (void)data;
  if (argc < 2)
    return Qnil;
  self = argv[0];
  w = evix_rb_watcher_get(self);
  cd = w->kind_data;
  b.pid = cd->pid;
  do {
    b.found = 0;
    rb_thread_call_without_gvl(blocking_peek_call, &b, RUBY_UBF_PROCESS, NULL);
  } while (b.error == EINTR || (!b.error && !b.found));
  /* Hand it over only if this is still the start that made us. */
  if (w->loop && w->loop->loop && cd->gen == NUM2ULONG(argv[1]) &&
      ev_is_active(&w->ev.w)) {
    cd->exited = b.found;
    cd->error = b.error;
    RB_OBJ_WRITE(self, &w->target, Qnil);
    ev_async_send(w->loop->loop, &w->ev.async);
  }
  return Qnil;
}

static VALUE
spawn_waiter(VALUE p)
{
  evix_rb_watcher_t *w = (evix_rb_watcher_t *)p;
  struct child_data *cd = w->kind_data;
  VALUE args[2], thread;

  args[0] = w->self;
  args[1] = ULONG2NUM(cd->gen);
  thread = rb_funcall_with_block(rb_cThread, id_new, 2, args,
                                 rb_proc_new(waiter_body, Qnil));
  RB_OBJ_WRITE(w->self, &w->target, thread);
  rb_funcall(thread, id_report_on_exception_set, 1, Qfalse);
  rb_funcall(thread, id_name_set, 1, rb_str_new_cstr("evix child waiter"));
  return Qnil;
}

/* ---- starting ------------------------------------------------------------- */

/* Starts watching (w is stopped): reported at once when a child has
 * exited already, else through a pidfd or a helper thread. */
static void
start_watching(evix_rb_watcher_t *w)
{
  struct child_data *cd = w->kind_data;
  pid_t found = 0;
  int fd = -1, err, state = 0;

  err = peek_exit(cd->pid, WNOHANG, &found);
  if (err == ECHILD)
    raise_echild(cd->pid);
  if (err)
    rb_syserr_fail(err, "waitid");
  if (!found && cd->pid > 0 && pidfd_available()) {
    fd = open_pidfd(cd->pid);
    if (fd < 0) {
      err = errno;
      if (err == ESRCH)
        raise_echild(cd->pid); /* reaped by someone else meanwhile */
      if (err == ENOSYS)
        pidfd_kernel = 0;
      else if (err != EPERM && err != EINVAL)
        rb_syserr_fail(err, "pidfd_open");
    } else {
      rb_update_max_fd(fd);
    }
  }
  ++cd->gen;
  cd->exited = 0;
  cd->error = 0;
  if (fd >= 0) {
    cd->mode = CHILD_PIDFD;
    cd->pidfd = fd;
    ev_io_set(&w->ev.io, fd, EV_READ);
    evix_rb_watcher_start(w);
    return;
  }
  cd->mode = CHILD_ASYNC;
  evix_rb_watcher_start(w);
  if (found) {
    cd->exited = found;
    ev_async_send(w->loop->loop, &w->ev.async);
    return;
  }
  rb_protect(spawn_waiter, (VALUE)w, &state);
  if (state) {
    evix_rb_watcher_stop(w);
    rb_jump_tag(state);
  }
}

/* ---- methods -------------------------------------------------------------- */

static evix_rb_watcher_t *
get_child(VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);
  if (w->kind != &child_kind)
    rb_raise(rb_eRuntimeError, "Evix::Child is not initialized");
  return w;
}

/* Evix::Child.new(loop, pid) { |watcher, status| } */
static VALUE
child_initialize(int argc, VALUE *argv, VALUE self)
{
  VALUE loop, pid, block;
  evix_rb_watcher_t *w;
  struct child_data *cd;

  rb_scan_args(argc, argv, "2&", &loop, &pid, &block);
  if (!RB_INTEGER_TYPE_P(pid))
    rb_raise(rb_eTypeError, "pid must be an Integer, not %" PRIsVALUE,
             rb_obj_class(pid));
  w = evix_rb_watcher_setup(self, loop, &child_kind, block);
  cd = ZALLOC(struct child_data);
  cd->pid = NUM2PIDT(pid);
  cd->pidfd = -1;
  cd->mode = CHILD_STOPPED;
  w->kind_data = cd;
  return self;
}

/* #start -> self */
static VALUE
child_m_start(VALUE self)
{
  evix_rb_watcher_t *w = get_child(self);

  evix_rb_watcher_check_usable(w);
  if (!ev_is_active(&w->ev.w))
    start_watching(w);
  return self;
}

static VALUE
child_pid(VALUE self)
{
  return PIDT2NUM(((struct child_data *)get_child(self)->kind_data)->pid);
}

/* #status -> the Process::Status reported last, or nil */
static VALUE
child_status(VALUE self)
{
  return get_child(self)->extra;
}

/* #rpid -> pid of the child reported last, or nil */
static VALUE
child_rpid(VALUE self)
{
  VALUE st = child_status(self);
  return NIL_P(st) ? Qnil : rb_funcall(st, id_pid, 0);
}

/* #rstatus -> the raw wait status (Integer) reported last, or nil */
static VALUE
child_rstatus(VALUE self)
{
  VALUE st = child_status(self);
  return NIL_P(st) ? Qnil : rb_funcall(st, id_to_i, 0);
}

/* Evix::Child.pidfd? -> whether pids > 0 are watched through pidfds */
static VALUE
child_s_pidfd_p(VALUE klass)
{
  (void)klass;
  return pidfd_available() ? Qtrue : Qfalse;
}

/* Evix::Child.pidfd = false: use the helper thread for every watcher
 * started from now on (true: pidfds again where the system has them). */
static VALUE
child_s_set_pidfd(VALUE klass, VALUE on)
{
  (void)klass;
  pidfd_enabled = RTEST(on);
  return on;
}

void
evix_rb_init_child(void)
{
  id_wait = rb_intern("wait");
  id_pid = rb_intern("pid");
  id_to_i = rb_intern("to_i");
  id_kill = rb_intern("kill");
  id_join = rb_intern("join");
  id_new = rb_intern("new");
  id_name_set = rb_intern("name=");
  id_report_on_exception_set = rb_intern("report_on_exception=");
  cStatus = rb_const_get(rb_mProcess, rb_intern("Status"));
  rb_gc_register_mark_object(cStatus); /* kept in a C variable: pinned */

  cChild = rb_define_class_under(evix_mEvix, "Child", evix_cWatcher);
  rb_define_singleton_method(cChild, "pidfd?", child_s_pidfd_p, 0);
  rb_define_singleton_method(cChild, "pidfd=", child_s_set_pidfd, 1);
  rb_define_method(cChild, "initialize", child_initialize, -1);
  rb_define_method(cChild, "start", child_m_start, 0);
  rb_define_method(cChild, "pid", child_pid, 0);
  rb_define_method(cChild, "status", child_status, 0);
  rb_define_method(cChild, "rpid", child_rpid, 0);
  rb_define_method(cChild, "rstatus", child_rstatus, 0);
}
