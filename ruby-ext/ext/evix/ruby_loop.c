/* ruby_loop.c - Evix::Loop, an event loop of the evix C library.
 *
 * Loop#run releases the GVL only around the backend's blocking system call
 * (evix_set_wait_wrapper), with an unblocking function that wakes the loop
 * (evix_wake), so other threads run while it waits and Ctrl-C, trap
 * handlers and Thread#raise get through.  Interrupts are then handled
 * after ev_run has returned, with no C loop frame on the stack.
 */
#include "evix_ext.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>

VALUE evix_cLoop;

/* Counts forks in this process's ancestry (the child side of pthread_atfork):
 * a loop that last ran under another count is in a forked child.  Cheaper
 * than a getpid() system call on every run. */
static volatile unsigned int fork_generation;

static void
count_fork_in_child(void)
{
  ++fork_generation;
}

static ID id_epoll, id_poll, id_select, id_kqueue, id_io_uring;
static ID id_default, id_once, id_nowait, id_one, id_all;

static void stop_queued(evix_rb_loop_t *lp);

/* ---- GC ------------------------------------------------------------------ */

static void
loop_mark(void *p)
{
  evix_rb_loop_t *lp = p;
  evix_rb_watcher_t *w;

  rb_gc_mark_movable(lp->self);
  rb_gc_mark_movable(lp->thread);
  /* Active watchers live as long as their loop does. */
  for (w = lp->active; w; w = w->next)
    rb_gc_mark_movable(w->self);
}

static void
loop_compact(void *p)
{
  evix_rb_loop_t *lp = p;
  evix_rb_watcher_t *w;

  lp->self = rb_gc_location(lp->self);
  lp->thread = rb_gc_location(lp->thread);
  for (w = lp->active; w; w = w->next)
    w->self = rb_gc_location(w->self);
}

static void
loop_detach_all(evix_rb_loop_t *lp)
{
  /* Every watcher, active or not, forgets the loop: a watcher freed later
   * must not touch it. */
  while (lp->all)
    evix_rb_watcher_detach(lp->all);
}

static void
loop_close(evix_rb_loop_t *lp)
{
  /* Stopping a watcher may call Ruby (restoring a trap, ending a helper
   * thread), so another thread may get here meanwhile: it finds the loop
   * closing, which counts as closed everywhere. */
  if (!lp->loop || lp->closing)
    return;
  lp->closing = 1;
  loop_detach_all(lp);
  ev_loop_destroy(lp->loop);
  lp->loop = NULL;
  lp->closing = 0;
}

static void
loop_free(void *p)
{
  evix_rb_loop_t *lp = p;

  /* Only C work here: no Ruby calls, nothing that blocks. */
  evix_rb_freeing = 1;
  loop_close(lp);
  evix_rb_freeing = 0;
  xfree(lp->deferred);
  xfree(lp);
}

static size_t
loop_memsize(const void *p)
{
  const evix_rb_loop_t *lp = p;
  return sizeof *lp + (size_t)lp->maxdeferred * sizeof *lp->deferred;
}

static const rb_data_type_t loop_type = {
  "Evix::Loop",
  { loop_mark, loop_free, loop_memsize, loop_compact },
  NULL, NULL,
  RUBY_TYPED_FREE_IMMEDIATELY | RUBY_TYPED_WB_PROTECTED
};

static VALUE
loop_alloc(VALUE klass)
{
  evix_rb_loop_t *lp;
  VALUE obj = TypedData_Make_Struct(klass, evix_rb_loop_t, &loop_type, lp);

  lp->self = obj;
  lp->thread = Qnil;
  return obj;
}

evix_rb_loop_t *
evix_rb_loop_get(VALUE obj)
{
  return rb_check_typeddata(obj, &loop_type);
}

evix_rb_loop_t *
evix_rb_loop_get_open(VALUE obj)
{
  evix_rb_loop_t *lp = evix_rb_loop_get(obj);
  if (!lp->loop || lp->closing)
    rb_raise(rb_eIOError, "closed Evix::Loop");
  return lp;
}

/* ---- backends --------------------------------------------------------------- */

VALUE
evix_rb_backend_symbol(unsigned int backend)
{
  switch (backend) {
  case EVBACKEND_EPOLL: return ID2SYM(id_epoll);
  case EVBACKEND_POLL: return ID2SYM(id_poll);
  case EVBACKEND_SELECT: return ID2SYM(id_select);
  case EVBACKEND_KQUEUE: return ID2SYM(id_kqueue);
  case EVBACKEND_IOURING: return ID2SYM(id_io_uring);
  default: return UINT2NUM(backend);
  }
}

static unsigned int
backend_flag(VALUE sym)
{
  ID id;

  if (NIL_P(sym))
    return 0;
  if (!SYMBOL_P(sym))
    rb_raise(rb_eTypeError, "backend must be a Symbol (:epoll, :poll, ...)");
  id = SYM2ID(sym);
  if (id == id_epoll) return EVBACKEND_EPOLL;
  if (id == id_poll) return EVBACKEND_POLL;
  if (id == id_select) return EVBACKEND_SELECT;
  if (id == id_kqueue) return EVBACKEND_KQUEUE;
  if (id == id_io_uring) return EVBACKEND_IOURING;
  rb_raise(rb_eArgError, "unknown backend %" PRIsVALUE, sym);
  return 0;
}

static VALUE
backends_to_array(unsigned int mask)
{
  VALUE a = rb_ary_new();
  unsigned int bit;
  for (bit = 1; bit <= EVBACKEND_ALL; bit <<= 1)
    if (mask & bit)
      rb_ary_push(a, evix_rb_backend_symbol(bit));
  return a;
}

/* Evix::Loop.supported_backends -> [:epoll, :poll, :select] */
static VALUE
loop_s_supported_backends(VALUE klass)
{
  (void)klass;
  return backends_to_array(ev_supported_backends());
}

/* ---- waiting without the GVL ------------------------------------------------ */

struct nogvl_wait {
  evix_wait_fn wait;
  void *arg;
};

static void *
nogvl_wait_call(void *p)
{
  struct nogvl_wait *a = p;
  a->wait(a->arg);
  return NULL;
}

/* The unblocking function: Ruby calls it (maybe from a signal handler or
 * another thread) to make the blocked wait return. */
static void
ubf_wake(void *loop)
{
  evix_wake(loop);
}

static int
interrupts_pending(evix_rb_loop_t *lp)
{
#ifdef HAVE_RB_THREAD_INTERRUPTED
  return rb_thread_interrupted(lp->thread);
#else
  (void)lp;
  return 1; /* without the query, leave ev_run after every blocking wait */
#endif
}

static void
wait_wrapper(struct ev_loop *loop, evix_wait_fn wait, void *arg, void *data)
{
  evix_rb_loop_t *lp = data;
  struct nogvl_wait a;
  int flags = RB_NOGVL_INTR_FAIL | RB_NOGVL_UBF_ASYNC_SAFE;

#ifdef HAVE_CONST_RB_NOGVL_PENDING_INTR_FAIL
  flags |= RB_NOGVL_PENDING_INTR_FAIL;
#endif
  a.wait = wait;
  a.arg = arg;
  /* INTR_FAIL: with an interrupt already pending the wait is skipped,
   * and interrupts are never raised from inside libev's frames. */
  rb_nogvl(nogvl_wait_call, &a, ubf_wake, loop, flags);
  if (interrupts_pending(lp)) {
    lp->interrupted = 1;
    ev_break(loop, EVBREAK_ONE);
  }
}

/* Runs every iteration's callbacks, then looks for interrupts: a loop that
 * never blocks (idle watchers) must notice Ctrl-C too. */
static void
invoke_pending(struct ev_loop *loop)
{
  evix_rb_loop_t *lp = ev_userdata(loop);

  ev_invoke_pending(loop);
  stop_queued(lp);
  if (!lp->interrupted && interrupts_pending(lp)) {
    lp->interrupted = 1;
    ev_break(loop, EVBREAK_ONE);
  }
}

/* ---- lifecycle ---------------------------------------------------------------- */

/* Evix::Loop.new(backend: nil) */
static VALUE
loop_initialize(int argc, VALUE *argv, VALUE self)
{
  evix_rb_loop_t *lp = evix_rb_loop_get(self);
  VALUE opts = Qnil, backend = Qnil;
  unsigned int flags;

  rb_scan_args(argc, argv, ":", &opts);
  if (!NIL_P(opts)) {
    static ID kw[1];
    VALUE vals[1];
    if (!kw[0])
      kw[0] = rb_intern("backend");
    rb_get_kwargs(opts, kw, 0, 1, vals);
    if (vals[0] != Qundef)
      backend = vals[0];
  }
  if (lp->loop)
    rb_raise(rb_eRuntimeError, "Evix::Loop already initialized");

  flags = backend_flag(backend);
  if (flags && !(flags & ev_supported_backends()))
    rb_raise(rb_eArgError, "backend %" PRIsVALUE " is not supported here",
             backend);
  /* The caller's choice is final: no LIBEV_FLAGS override. */
  lp->loop = ev_loop_new(flags | (flags ? EVFLAG_NOENV : 0));
  if (!lp->loop)
    rb_sys_fail("ev_loop_new");
  lp->pid = getpid();
  lp->fork_gen = fork_generation;
  ev_set_userdata(lp->loop, lp);
  ev_set_invoke_pending_cb(lp->loop, invoke_pending);
  evix_set_wait_wrapper(lp->loop, wait_wrapper, lp);
  return self;
}

/* Evix::Loop#close: stops every watcher and frees the loop's kernel
 * resources now rather than at garbage collection. */
static VALUE
loop_m_close(VALUE self)
{
  evix_rb_loop_t *lp = evix_rb_loop_get(self);
  evix_rb_loop_check_unlocked(lp);
  if (lp->running)
    rb_raise(rb_eRuntimeError, "cannot close an Evix::Loop while it runs");
  loop_close(lp);
  return Qnil;
}

static VALUE
loop_closed_p(VALUE self)
{
  evix_rb_loop_t *lp = evix_rb_loop_get(self);
  return lp->loop && !lp->closing ? Qfalse : Qtrue;
}

/* ---- running -------------------------------------------------------------------- */

void
evix_rb_loop_defer(evix_rb_loop_t *lp, ev_watcher *w, int revents)
{
  int i;

  for (i = 0; i < lp->ndeferred; ++i)
    if (lp->deferred[i].w == w) {
      lp->deferred[i].revents |= revents;
      return;
    }
  if (lp->ndeferred == lp->maxdeferred) {
    int n = lp->maxdeferred ? lp->maxdeferred * 2 : 16;
    REALLOC_N(lp->deferred, struct evix_rb_deferred, n);
    lp->maxdeferred = n;
  }
  lp->deferred[lp->ndeferred].w = w;
  lp->deferred[lp->ndeferred].revents = revents;
  ++lp->ndeferred;
}

int
evix_rb_loop_undefer(evix_rb_loop_t *lp, ev_watcher *w)
{
  int i;

  for (i = 0; i < lp->ndeferred; ++i)
    if (lp->deferred[i].w == w) {
      int revents = lp->deferred[i].revents;
      lp->deferred[i] = lp->deferred[--lp->ndeferred];
      return revents;
    }
  return 0;
}

int
evix_rb_loop_is_deferred(evix_rb_loop_t *lp, ev_watcher *w)
{
  int i;

  for (i = 0; i < lp->ndeferred; ++i)
    if (lp->deferred[i].w == w)
      return 1;
  return 0;
}

void
evix_rb_loop_check_unlocked(evix_rb_loop_t *lp)
{
  if (lp->locked)
    rb_raise(rb_eRuntimeError, "an Evix::Loop cannot be changed, run or "
                               "closed from a reschedule block");
}

void
evix_rb_loop_stop_later(evix_rb_loop_t *lp, evix_rb_watcher_t *w)
{
  if (w->stop_queued)
    return;
  w->stop_queued = 1;
  w->stop_next = lp->stop_later;
  lp->stop_later = w;
}

/* Stops the watchers queued by evix_rb_loop_stop_later. */
static void
stop_queued(evix_rb_loop_t *lp)
{
  while (lp->stop_later) {
    evix_rb_watcher_t *w = lp->stop_later;
    lp->stop_later = w->stop_next;
    w->stop_next = NULL;
    w->stop_queued = 0;
    evix_rb_watcher_stop(w);
  }
}

/* Queues the events held back by an earlier exception again: ev_run runs
 * fed events before its first iteration. */
static void
feed_deferred(evix_rb_loop_t *lp)
{
  int i, n = lp->ndeferred;

  lp->ndeferred = 0;
  for (i = 0; i < n; ++i)
    ev_feed_event(lp->loop, lp->deferred[i].w, lp->deferred[i].revents);
}

struct run_args {
  evix_rb_loop_t *lp;
  int flags;
  int result;
};

static VALUE
run_body(VALUE p)
{
  struct run_args *a = (struct run_args *)p;
  evix_rb_loop_t *lp = a->lp;

  for (;;) {
    int tag;

    lp->interrupted = 0;
    a->result = ev_run(lp->loop, a->flags);
    stop_queued(lp);
    tag = lp->exc_tag;
    if (tag) {
      lp->exc_tag = 0;
      rb_jump_tag(tag);
    }
    if (lp->interrupted) {
      lp->interrupted = 0;
      /* Trap handlers, Thread#raise, Interrupt: here, outside ev_run. */
      rb_thread_check_ints();
      if (!lp->broken && !(a->flags & (EVRUN_ONCE | EVRUN_NOWAIT)) &&
          a->result)
        continue;
    }
    return Qnil;
  }
}

static VALUE
run_ensure(VALUE p)
{
  struct run_args *a = (struct run_args *)p;
  a->lp->running = 0;
  RB_OBJ_WRITE(a->lp->self, &a->lp->thread, Qnil);
  return Qnil;
}

int
evix_rb_loop_run(evix_rb_loop_t *lp, int flags)
{
  struct run_args a;

  if (!lp->loop || lp->closing)
    rb_raise(rb_eIOError, "closed Evix::Loop");
  evix_rb_loop_check_unlocked(lp);
  if (lp->running)
    rb_raise(rb_eRuntimeError, "Evix::Loop#run is already running");
  if (lp->fork_gen != fork_generation) {
    /* First run in a forked child: new kernel state for the loop. */
    lp->fork_gen = fork_generation;
    lp->pid = getpid();
    ev_loop_fork(lp->loop);
  }
  feed_deferred(lp);
  lp->running = 1;
  lp->broken = 0;
  RB_OBJ_WRITE(lp->self, &lp->thread, rb_thread_current());
  a.lp = lp;
  a.flags = flags;
  a.result = 0;
  rb_ensure(run_body, (VALUE)&a, run_ensure, (VALUE)&a);
  return a.result;
}

/* Evix::Loop#run(mode = :default) -> true if watchers are still active.
 * :default runs until no active watcher is left or #break is called,
 * :once waits for events once, :nowait looks once without waiting. */
static VALUE
loop_run(int argc, VALUE *argv, VALUE self)
{
  evix_rb_loop_t *lp = evix_rb_loop_get_open(self);
  VALUE mode = Qnil;
  int flags = 0;

  rb_scan_args(argc, argv, "01", &mode);
  if (!NIL_P(mode)) {
    ID id;
    if (!SYMBOL_P(mode))
      rb_raise(rb_eTypeError, "mode must be :default, :once or :nowait");
    id = SYM2ID(mode);
    if (id == id_once)
      flags = EVRUN_ONCE;
    else if (id == id_nowait)
      flags = EVRUN_NOWAIT;
    else if (id != id_default)
      rb_raise(rb_eArgError, "unknown run mode %" PRIsVALUE
                             " (expected :default, :once or :nowait)", mode);
  }
  return evix_rb_loop_run(lp, flags) ? Qtrue : Qfalse;
}

/* Evix::Loop#break(how = :one): makes #run return after the current
 * iteration (:all also ends enclosing runs). */
static VALUE
loop_break(int argc, VALUE *argv, VALUE self)
{
  evix_rb_loop_t *lp = evix_rb_loop_get_open(self);
  VALUE how = Qnil;
  int h = EVBREAK_ONE;

  rb_scan_args(argc, argv, "01", &how);
  if (!NIL_P(how)) {
    if (!SYMBOL_P(how))
      rb_raise(rb_eTypeError, "how must be :one or :all");
    if (SYM2ID(how) == id_all)
      h = EVBREAK_ALL;
    else if (SYM2ID(how) != id_one)
      rb_raise(rb_eArgError, "unknown break mode %" PRIsVALUE, how);
  }
  lp->broken = 1;
  ev_break(lp->loop, h);
  return Qnil;
}

/* ---- queries -------------------------------------------------------------------- */

static VALUE
loop_now(VALUE self)
{
  return DBL2NUM(ev_now(evix_rb_loop_get_open(self)->loop));
}

static VALUE
loop_update_now(VALUE self)
{
  evix_rb_loop_t *lp = evix_rb_loop_get_open(self);
  evix_rb_loop_check_unlocked(lp);
  ev_now_update(lp->loop);
  return DBL2NUM(ev_now(lp->loop));
}

static VALUE
loop_backend(VALUE self)
{
  return evix_rb_backend_symbol(ev_backend(evix_rb_loop_get_open(self)->loop));
}

static VALUE
loop_pending_count(VALUE self)
{
  return UINT2NUM(ev_pending_count(evix_rb_loop_get_open(self)->loop));
}

static VALUE
loop_iteration(VALUE self)
{
  return UINT2NUM(ev_iteration(evix_rb_loop_get_open(self)->loop));
}

static VALUE
loop_depth(VALUE self)
{
  return UINT2NUM(ev_depth(evix_rb_loop_get_open(self)->loop));
}

static VALUE
loop_ref(VALUE self)
{
  ev_ref(evix_rb_loop_get_open(self)->loop);
  return self;
}

static VALUE
loop_unref(VALUE self)
{
  ev_unref(evix_rb_loop_get_open(self)->loop);
  return self;
}

/* Evix::Loop#verify: checks the loop's internal structures (aborts the
 * process if they are corrupt: a bug in evix, not in the caller). */
static VALUE
loop_verify(VALUE self)
{
  ev_verify(evix_rb_loop_get_open(self)->loop);
  return Qtrue;
}

/* Evix::Loop#active_watchers -> Integer (watchers kept alive by the loop) */
static VALUE
loop_active_watchers(VALUE self)
{
  evix_rb_loop_t *lp = evix_rb_loop_get(self);
  evix_rb_watcher_t *w;
  long n = 0;
  for (w = lp->active; w; w = w->next)
    ++n;
  return LONG2NUM(n);
}

void
evix_rb_init_loop(void)
{
  pthread_atfork(NULL, NULL, count_fork_in_child);
  id_epoll = rb_intern("epoll");
  id_poll = rb_intern("poll");
  id_select = rb_intern("select");
  id_kqueue = rb_intern("kqueue");
  id_io_uring = rb_intern("io_uring");
  id_default = rb_intern("default");
  id_once = rb_intern("once");
  id_nowait = rb_intern("nowait");
  id_one = rb_intern("one");
  id_all = rb_intern("all");

  evix_cLoop = rb_define_class_under(evix_mEvix, "Loop", rb_cObject);
  rb_define_alloc_func(evix_cLoop, loop_alloc);
  rb_define_singleton_method(evix_cLoop, "supported_backends",
                             loop_s_supported_backends, 0);
  rb_define_method(evix_cLoop, "initialize", loop_initialize, -1);
  rb_define_method(evix_cLoop, "run", loop_run, -1);
  rb_define_method(evix_cLoop, "break", loop_break, -1);
  rb_define_method(evix_cLoop, "close", loop_m_close, 0);
  rb_define_method(evix_cLoop, "closed?", loop_closed_p, 0);
  rb_define_method(evix_cLoop, "now", loop_now, 0);
  rb_define_method(evix_cLoop, "update_now", loop_update_now, 0);
  rb_define_method(evix_cLoop, "backend", loop_backend, 0);
  rb_define_method(evix_cLoop, "pending_count", loop_pending_count, 0);
  rb_define_method(evix_cLoop, "iteration", loop_iteration, 0);
  rb_define_method(evix_cLoop, "depth", loop_depth, 0);
  rb_define_method(evix_cLoop, "ref", loop_ref, 0);
  rb_define_method(evix_cLoop, "unref", loop_unref, 0);
  rb_define_method(evix_cLoop, "verify", loop_verify, 0);
  rb_define_method(evix_cLoop, "active_watchers", loop_active_watchers, 0);
}
