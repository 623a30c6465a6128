/* ruby_scheduler.c - the C parts of Evix::Scheduler, a Fiber::Scheduler on
 * an Evix::Loop.
 *
 * Switching: resume/yield.  A hook suspends its fiber with Fiber.yield, so
 * control goes back to whoever resumed it last: the scheduler's run loop,
 * or the fiber that called Fiber.schedule (the `fiber` hook resumes the new
 * fiber at once).  The run loop may run on any fiber that is not itself
 * scheduled, and a fiber that calls a bare Fiber.yield simply stays
 * suspended, as with Ruby's own reference scheduler.
 *
 * Waits: see ruby_scheduler.h.  A wait ends in one of three ways, each of
 * which marks it ready at most once: its watcher fires (io, timer), unblock
 * finds it in the table, or an exception is aimed at it (timeout_after,
 * fiber_interrupt).  A stale unblock - for a fiber that timed out, moved on
 * to another kind of wait, or died - finds nothing to wake.  The hook's
 * rb_ensure always stops the watchers and takes the wait out of the table
 * and the ready list, whatever ended it.
 *
 * The GVL is released only inside Evix::Loop's wait (ev_run's blocking
 * system call).  unblock from another thread takes the GVL, queues the
 * fiber and wakes the loop with evix_wake when it is blocked there.
 */
#include "ruby_scheduler.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

static ID id_exception;

/* Bumped in a forked child (Process._fork, see scheduler.rb): schedulers
 * then drop the parent's waits before their next use. */
static unsigned long fork_gen;
static VALUE fork_fiber = Qnil;

/* Resumes at most this many fibers between two looks at the kernel, so
 * that fibers that keep waking each other cannot starve io and timers. */
#define RESUMES_PER_POLL 64

/* ---- GC ------------------------------------------------------------------ */

static int
mark_wait_i(st_data_t key, st_data_t value, st_data_t arg)
{
  evix_sched_wait_t *w;

  (void)arg;
  /* Pinned: the table is keyed by the fiber's address. */
  rb_gc_mark((VALUE)key);
  for (w = (evix_sched_wait_t *)value; w; w = w->outer)
    rb_gc_mark(w->exc);
  return ST_CONTINUE;
}

static void
sched_mark(void *p)
{
  evix_sched_t *s = p;
  evix_sched_timeout_t *t;

  rb_gc_mark_movable(s->loop_obj);
  rb_gc_mark_movable(s->poll_thread);
  rb_gc_mark_movable(s->interrupts);
  rb_gc_mark_movable(s->drive_fiber);
  rb_gc_mark_movable(s->wrote_fiber);
  if (s->waits)
    st_foreach(s->waits, mark_wait_i, 0);
  /* Stored in C structs on fiber stacks, which compaction does not
   * update: pinned. */
  for (t = s->timeouts; t; t = t->next) {
    rb_gc_mark(t->fiber);
    rb_gc_mark(t->klass);
    rb_gc_mark(t->message);
  }
}

static void
sched_compact(void *p)
{
  evix_sched_t *s = p;

  s->loop_obj = rb_gc_location(s->loop_obj);
  s->poll_thread = rb_gc_location(s->poll_thread);
  s->interrupts = rb_gc_location(s->interrupts);
  s->drive_fiber = rb_gc_location(s->drive_fiber);
  s->wrote_fiber = rb_gc_location(s->wrote_fiber);
}

static void
sched_free(void *p)
{
  evix_sched_t *s = p;

  /* Only C memory: the waits live on fiber stacks, and the loop frees its
   * own structures. */
  if (s->waits)
    st_free_table(s->waits);
  xfree(s);
}

static size_t
sched_memsize(const void *p)
{
  const evix_sched_t *s = p;
  return sizeof *s + (s->waits ? st_memsize(s->waits) : 0);
}

static const rb_data_type_t sched_type = {
  "Evix::Scheduler",
  { sched_mark, sched_free, sched_memsize, sched_compact },
  NULL, NULL,
  RUBY_TYPED_FREE_IMMEDIATELY
};

static VALUE
sched_alloc(VALUE klass)
{
  evix_sched_t *s;
  VALUE obj = TypedData_Make_Struct(klass, evix_sched_t, &sched_type, s);

  s->self = obj;
  s->loop_obj = Qnil;
  s->poll_thread = Qnil;
  s->interrupts = Qnil;
  s->drive_fiber = Qnil;
  s->wrote_fiber = Qnil;
  s->wrote_fd = -1;
  s->waits = st_init_numtable();
  s->fork_gen = fork_gen;
  return obj;
}

evix_sched_t *
evix_sched_get(VALUE obj)
{
  evix_sched_t *s = rb_check_typeddata(obj, &sched_type);
  if (!s->lp)
    rb_raise(rb_eRuntimeError, "Evix::Scheduler is not initialized");
  return s;
}

/* ---- small helpers ------------------------------------------------------- */

double
evix_sched_seconds(VALUE v)
{
  double d;

  if (NIL_P(v))
    return -1.;
  if (!RB_FLOAT_TYPE_P(v) && !RB_INTEGER_TYPE_P(v) &&
      !rb_obj_is_kind_of(v, rb_cNumeric))
    rb_raise(rb_eTypeError, "timeout must be Numeric (seconds) or nil, "
                            "not %" PRIsVALUE, rb_obj_class(v));
  d = NUM2DBL(v);
  if (d != d)
    rb_raise(rb_eArgError, "timeout must not be NaN");
  return d < 0. ? 0. : d;
}

int
evix_sched_fd_of(VALUE io)
{
  int fd;

  if (RB_INTEGER_TYPE_P(io)) {
    fd = NUM2INT(io);
    if (fd < 0)
      rb_raise(rb_eArgError, "negative file descriptor %d", fd);
    return fd;
  }
  if (!RB_TYPE_P(io, T_FILE))
    io = rb_convert_type(io, T_FILE, "IO", "to_io");
  fd = rb_io_descriptor(io); /* IOError when closed */
  if (fd < 0)
    rb_raise(rb_eIOError, "closed stream");
  return fd;
}

static struct ev_loop *
sched_loop(evix_sched_t *s)
{
  if (!s->lp->loop)
    rb_raise(rb_eIOError, "the scheduler's Evix::Loop is closed");
  return s->lp->loop;
}

static long
nwaits(evix_sched_t *s)
{
  return (long)s->waits->num_entries;
}

/* ---- the ready list ------------------------------------------------------ */

static void
enqueue(evix_sched_t *s, evix_sched_wait_t *w)
{
  w->rnext = NULL;
  w->rprev = s->ready_tail;
  if (s->ready_tail)
    s->ready_tail->rnext = w;
  else
    s->ready_head = w;
  s->ready_tail = w;
  w->queued = 1;
  ++s->nready;
}

static void
unqueue(evix_sched_t *s, evix_sched_wait_t *w)
{
  if (w->rprev)
    w->rprev->rnext = w->rnext;
  else
    s->ready_head = w->rnext;
  if (w->rnext)
    w->rnext->rprev = w->rprev;
  else
    s->ready_tail = w->rprev;
  w->rnext = w->rprev = NULL;
  w->queued = 0;
  --s->nready;
}

/* Marks w ready (once).  Runs on the loop's thread (libev callbacks,
 * hooks) or, for unblock, on any thread holding the GVL; only then may the
 * loop be blocked in the kernel, and only then does it need a wake-up. */
static void
wake(evix_sched_wait_t *w)
{
  evix_sched_t *s = w->s;

  if (w->state != EVIX_WS_WAITING)
    return;
  w->state = EVIX_WS_READY;
  if (!w->drives)
    enqueue(s, w);
  if (s->polling && s->poll_thread != rb_thread_current() && s->lp->loop)
    evix_wake(s->lp->loop);
}

/* ---- libev callbacks: they only mark waits ready ------------------------- */

static void
stop_watchers(struct ev_loop *loop, evix_sched_wait_t *w)
{
  int i;

  if (ev_is_active(&w->io) || ev_is_pending(&w->io))
    ev_io_stop(loop, &w->io);
  if (ev_is_active(&w->timer) || ev_is_pending(&w->timer))
    ev_timer_stop(loop, &w->timer);
  for (i = 0; i < w->nfds; ++i)
    if (ev_is_active(&w->fds[i].io) || ev_is_pending(&w->fds[i].io))
      ev_io_stop(loop, &w->fds[i].io);
}

/* One of w's io watchers fired (and has stopped itself): the wait is over
 * unless something else already ended it. */
static void
io_fired(struct ev_loop *loop, evix_sched_wait_t *w)
{
  if (w->state != EVIX_WS_WAITING)
    return;
  if (ev_is_active(&w->timer))
    ev_timer_stop(loop, &w->timer);
  wake(w);
}

static void
io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
  evix_sched_wait_t *w = io->data;

  ev_io_stop(loop, io);
  if (w->state == EVIX_WS_WAITING)
    w->revents = revents;
  io_fired(loop, w);
}

static void
fd_cb(struct ev_loop *loop, ev_io *io, int revents)
{
  evix_sched_fdwait_t *f = io->data;

  /* Every fd that fires in this iteration is recorded, not only the
   * first: io_select reports them all. */
  ev_io_stop(loop, io);
  f->revents |= revents;
  io_fired(loop, f->w);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
  evix_sched_wait_t *w = t->data;

  (void)revents;
  if (w->state != EVIX_WS_WAITING)
    return;
  w->timed_out = 1;
  stop_watchers(loop, w);
  wake(w);
}

/* ---- waits --------------------------------------------------------------- */

static int
push_wait_i(st_data_t *key, st_data_t *value, st_data_t arg, int existing)
{
  evix_sched_wait_t *w = (evix_sched_wait_t *)arg;

  (void)key;
  w->outer = existing ? (evix_sched_wait_t *)*value : NULL;
  *value = (st_data_t)w;
  return ST_CONTINUE;
}

static void
wait_register(evix_sched_t *s, evix_sched_wait_t *w)
{
  st_update(s->waits, (st_data_t)w->fiber, push_wait_i, (st_data_t)w);
  w->registered = 1;
}

static void
wait_unregister(evix_sched_t *s, evix_sched_wait_t *w)
{
  st_data_t key = (st_data_t)w->fiber, val;

  if (!w->registered)
    return;
  w->registered = 0;
  if (w->outer)
    st_insert(s->waits, key, (st_data_t)w->outer);
  else
    st_delete(s->waits, &key, &val);
}

static evix_sched_wait_t *
wait_of(evix_sched_t *s, VALUE fiber)
{
  st_data_t v;
  return st_lookup(s->waits, (st_data_t)fiber, &v) ? (evix_sched_wait_t *)v
                                                    : NULL;
}

/* A fiber that cannot suspend itself into the scheduler runs the loop
 * itself until its wait is over: the root fiber after a fork, a blocking
 * fiber, or a fiber under another scheduler calling our methods. */
static int
must_drive(evix_sched_t *s, VALUE fiber)
{
  return fiber == s->drive_fiber || rb_fiber_scheduler_current() != s->self;
}

static void
wait_init(evix_sched_t *s, evix_sched_wait_t *w, int kind)
{
  w->s = s;
  w->fiber = rb_fiber_current();
  w->outer = w->rnext = w->rprev = NULL;
  w->tmo = NULL;
  w->exc = Qnil;
  w->fds = NULL;
  w->nfds = 0;
  w->snext = w->sprev = w->followers = w->gate = w->fnext = w->fprev = NULL;
  w->write_seq = 0;
  w->kind = (unsigned char)kind;
  w->state = EVIX_WS_WAITING;
  w->queued = w->registered = w->timed_out = 0;
  w->drives = (unsigned char)must_drive(s, w->fiber);
  w->revents = 0;
  w->timeout = -1.;
  ev_init(&w->io, io_cb);
  w->io.data = w;
  w->io.fd = -1;
  ev_init(&w->timer, timer_cb);
  w->timer.data = w;
}

static void after_fork(evix_sched_t *s);
static void run_loop(evix_sched_t *s, evix_sched_wait_t *until);
static void one_pass(evix_sched_t *s);

static VALUE
timeout_exception(evix_sched_timeout_t *t)
{
  return rb_funcall(t->klass, id_exception, 1, t->message);
}

/* Raises what was aimed at fiber while it was not waiting. */
static void
check_pending(evix_sched_t *s, VALUE fiber)
{
  if (RB_UNLIKELY(s->npending)) {
    evix_sched_timeout_t *t;
    for (t = s->timeouts; t; t = t->next)
      if (t->pending && t->fiber == fiber) {
        t->pending = 0;
        --s->npending;
        rb_exc_raise(timeout_exception(t));
      }
  }
  if (RB_UNLIKELY(!NIL_P(s->interrupts))) {
    VALUE exc = rb_hash_delete(s->interrupts, fiber);
    if (RHASH_SIZE(s->interrupts) == 0)
      s->interrupts = Qnil;
    if (!NIL_P(exc))
      rb_exc_raise(exc);
  }
}

static VALUE
wait_body(VALUE p)
{
  evix_sched_wait_t *w = (evix_sched_wait_t *)p;
  evix_sched_t *s = w->s;
  struct ev_loop *loop = s->lp->loop;
  int i;

  wait_register(s, w);
  if (w->write_seq) {
    w->sprev = NULL;
    w->snext = s->wseq;
    if (s->wseq)
      s->wseq->sprev = w;
    s->wseq = w;
  }
  if (w->gate) {
    w->fprev = NULL;
    w->fnext = w->gate->followers;
    if (w->gate->followers)
      w->gate->followers->fprev = w;
    w->gate->followers = w;
  }
  if (w->io.fd >= 0)
    ev_io_start(loop, &w->io);
  for (i = 0; i < w->nfds; ++i)
    ev_io_start(loop, &w->fds[i].io);
  if (w->timeout >= 0.) {
    /* The loop's clock may be old when fibers ran for a while: a timer
     * must never end early. */
    ev_now_update(loop);
    ev_timer_set(&w->timer, w->timeout, 0.);
    ev_timer_start(loop, &w->timer);
  }
  if (w->kind == EVIX_WAIT_YIELD) {
    w->state = EVIX_WS_READY;
    if (w->drives)
      one_pass(s);
    else {
      enqueue(s, w);
      rb_fiber_yield(0, NULL);
    }
    return Qnil;
  }
  if (w->drives) {
    run_loop(s, w);
    return Qnil;
  }
  /* Sleeps and blocks may wake spuriously (the callers re-check); an io
   * wait resumed by someone else simply waits on. */
  do
    rb_fiber_yield(0, NULL);
  while (w->state == EVIX_WS_WAITING && w->kind != EVIX_WAIT_SLEEP &&
         w->kind != EVIX_WAIT_BLOCK);
  return Qnil;
}

static void
unlink_gate(evix_sched_wait_t *w)
{
  if (!w->gate)
    return;
  if (w->fprev)
    w->fprev->fnext = w->fnext;
  else if (w->gate->followers == w)
    w->gate->followers = w->fnext;
  if (w->fnext)
    w->fnext->fprev = w->fprev;
  w->fnext = w->fprev = NULL;
  w->gate = NULL;
}

/* A write sequence is over: the writers that waited behind it may try
 * again (after the writer, which runs on now, next yields). */
static void
end_write_seq(evix_sched_t *s, evix_sched_wait_t *w)
{
  if (w->sprev)
    w->sprev->snext = w->snext;
  else if (s->wseq == w)
    s->wseq = w->snext;
  if (w->snext)
    w->snext->sprev = w->sprev;
  w->snext = w->sprev = NULL;
  w->write_seq = 0;
  while (w->followers) {
    evix_sched_wait_t *f = w->followers;
    unlink_gate(f);
    wake(f);
  }
}

static VALUE
wait_end(VALUE p)
{
  evix_sched_wait_t *w = (evix_sched_wait_t *)p;
  evix_sched_t *s = w->s;

  if (w->queued)
    unqueue(s, w);
  if (s->lp->loop)
    stop_watchers(s->lp->loop, w);
  if (w->write_seq)
    end_write_seq(s, w);
  unlink_gate(w);
  wait_unregister(s, w);
  w->state = EVIX_WS_DONE;
  return Qnil;
}

/* Suspends the current fiber until w is over; raises what was aimed at
 * it meanwhile. */
static void
wait_suspend(evix_sched_t *s, evix_sched_wait_t *w)
{
  VALUE exc;

  sched_loop(s);
  check_pending(s, w->fiber);
  rb_ensure(wait_body, (VALUE)w, wait_end, (VALUE)w);
  if (RB_LIKELY(!w->tmo && NIL_P(w->exc)))
    return;
  exc = NIL_P(w->exc) ? timeout_exception(w->tmo) : w->exc;
  RB_GC_GUARD(exc);
  rb_exc_raise(exc);
}

static evix_sched_t *
hook_enter(VALUE self)
{
  evix_sched_t *s = evix_sched_get(self);

  if (RB_UNLIKELY(s->fork_gen != fork_gen))
    after_fork(s);
  return s;
}

int
evix_sched_wait_fd(evix_sched_t *s, int fd, int events, double timeout)
{
  evix_sched_wait_t w;

  wait_init(s, &w, EVIX_WAIT_IO);
  ev_io_set(&w.io, fd, events);
  w.timeout = timeout;
  wait_suspend(s, &w);
  return w.timed_out ? 0 : w.revents;
}

int
evix_sched_wait_write(evix_sched_t *s, int fd)
{
  evix_sched_wait_t w;

  wait_init(s, &w, EVIX_WAIT_IO);
  ev_io_set(&w.io, fd, EV_WRITE);
  w.write_seq = 1;
  wait_suspend(s, &w);
  return w.revents;
}

static evix_sched_wait_t *
write_seq_on(evix_sched_t *s, int fd, VALUE fiber)
{
  evix_sched_wait_t *w;

  for (w = s->wseq; w; w = w->snext)
    if (w->io.fd == fd && w->fiber != fiber)
      return w;
  return NULL;
}

void
evix_sched_write_gate(evix_sched_t *s, int fd)
{
  VALUE fiber;
  evix_sched_wait_t *seq;

  if (RB_LIKELY(!s->wseq))
    return;
  fiber = rb_fiber_current();
  while ((seq = write_seq_on(s, fd, fiber))) {
    evix_sched_wait_t w;
    wait_init(s, &w, EVIX_WAIT_GATE);
    w.gate = seq;
    wait_suspend(s, &w);
  }
}

void
evix_sched_wrote(evix_sched_t *s, int fd, int moved)
{
  if (moved) {
    s->wrote_fd = fd;
    s->wrote_fiber = rb_fiber_current();
  } else if (s->wrote_fd == fd) {
    s->wrote_fd = -1;
    s->wrote_fiber = Qnil;
  }
}

void
evix_sched_wait_fds(evix_sched_t *s, evix_sched_fdwait_t *fds, int n,
                    double timeout)
{
  evix_sched_wait_t w;
  int i;

  wait_init(s, &w, EVIX_WAIT_MANY);
  for (i = 0; i < n; ++i) {
    ev_init(&fds[i].io, fd_cb);
    ev_io_set(&fds[i].io, fds[i].fd, fds[i].events);
    fds[i].io.data = &fds[i];
    fds[i].w = &w;
    fds[i].revents = 0;
  }
  w.fds = fds;
  w.nfds = n;
  w.timeout = timeout;
  wait_suspend(s, &w);
}

/* ---- running ------------------------------------------------------------- */

struct poll_args {
  evix_sched_t *s;
  int flags;
  int refd;
};

static VALUE
poll_body(VALUE p)
{
  struct poll_args *a = (struct poll_args *)p;
  evix_rb_loop_run(a->s->lp, a->flags);
  return Qnil;
}

static VALUE
poll_end(VALUE p)
{
  struct poll_args *a = (struct poll_args *)p;

  a->s->polling = 0;
  if (a->refd && a->s->lp->loop)
    ev_unref(a->s->lp->loop);
  return Qnil;
}

/* One ev_run iteration.  Suspended fibers keep the loop referenced, so
 * that a wait only unblock can end (from another thread) still blocks in
 * the kernel instead of spinning. */
static void
sched_poll(evix_sched_t *s, int flags)
{
  struct poll_args a;
  struct ev_loop *loop = sched_loop(s);

  a.s = s;
  a.flags = flags;
  a.refd = nwaits(s) > 0;
  if (a.refd)
    ev_ref(loop);
  s->poll_thread = rb_thread_current();
  s->polling = 1;
  rb_ensure(poll_body, (VALUE)&a, poll_end, (VALUE)&a);
}

/* Resumes the fibers that were ready when called, in the order they
 * became ready.  Stops early once `until` is over. */
static void
resume_ready(evix_sched_t *s, evix_sched_wait_t *until)
{
  long n = s->nready;

  while (n-- > 0 && s->ready_head) {
    evix_sched_wait_t *w = s->ready_head;
    VALUE fiber = w->fiber;

    unqueue(s, w);
    /* w is invalid once the fiber has run on. */
    rb_fiber_resume(fiber, 0, NULL);
    if (until && until->state != EVIX_WS_WAITING)
      return;
  }
}

static void
one_pass(evix_sched_t *s)
{
  resume_ready(s, NULL);
  sched_poll(s, EVRUN_NOWAIT);
}

static int
loop_done(evix_sched_t *s, evix_sched_wait_t *until)
{
  if (until)
    return until->state != EVIX_WS_WAITING;
  return !s->nready && !nwaits(s);
}

/* Runs fibers and the loop until `until` is over, or, without one, until
 * no fiber waits in a hook and none is ready. */
static void
run_loop(evix_sched_t *s, evix_sched_wait_t *until)
{
  long resumed = 0;

  while (!loop_done(s, until)) {
    if (s->nready) {
      resumed += s->nready;
      resume_ready(s, until);
      if (loop_done(s, until))
        break;
      if (s->nready && resumed < RESUMES_PER_POLL)
        continue;
    }
    resumed = 0;
    if (s->nready) {
      sched_poll(s, EVRUN_NOWAIT);
      continue;
    }
    /* Look without blocking first: when something is ready already
     * (the usual case under load) the GVL is not released at all. */
    sched_poll(s, EVRUN_NOWAIT);
    if (s->nready || loop_done(s, until))
      continue;
    sched_poll(s, EVRUN_ONCE);
  }
}

static VALUE
run_end(VALUE p)
{
  evix_sched_t *s = (evix_sched_t *)p;
  s->running = 0;
  return Qnil;
}

static VALUE
run_body(VALUE p)
{
  run_loop((evix_sched_t *)p, NULL);
  return Qnil;
}

/* #run: runs the fibers until none of them waits in a hook any more.
 * Called by #close (and so when the thread ends); call it yourself to run
 * the fibers earlier.  An exception that ends a fiber comes out here. */
static VALUE
sched_run(VALUE self)
{
  evix_sched_t *s = hook_enter(self);

  sched_loop(s);
  if (rb_fiber_scheduler_current() == self &&
      rb_fiber_current() != s->drive_fiber)
    rb_raise(rb_eRuntimeError, "Evix::Scheduler#run must be called from "
                               "outside the scheduled fibers");
  s->running = 1;
  rb_ensure(run_body, (VALUE)s, run_end, (VALUE)s);
  return self;
}

/* ---- fork ---------------------------------------------------------------- */

static int
drop_wait_i(st_data_t key, st_data_t value, st_data_t arg)
{
  struct ev_loop *loop = (struct ev_loop *)arg;
  evix_sched_wait_t *w;

  (void)key;
  for (w = (evix_sched_wait_t *)value; w; w = w->outer) {
    if (loop)
      stop_watchers(loop, w);
    w->registered = 0;
    w->queued = 0;
    w->write_seq = 0;
    w->followers = w->gate = NULL;
    w->state = EVIX_WS_DONE;
  }
  return ST_CONTINUE;
}

/* In a forked child the parent's suspended fibers must not run: their
 * waits are dropped (the memory is the child's copy), and the fiber that
 * called fork, which is the child's root fiber now, drives the loop
 * itself when it waits. */
static void
after_fork(evix_sched_t *s)
{
  struct ev_loop *loop = s->lp->loop;
  evix_sched_timeout_t *t, *next;

  st_foreach(s->waits, drop_wait_i, (st_data_t)loop);
  st_clear(s->waits);
  s->ready_head = s->ready_tail = NULL;
  s->nready = 0;
  s->npending = 0;
  for (t = s->timeouts; t; t = next) {
    next = t->next;
    if (t->fiber == fork_fiber) {
      s->npending += t->pending;
      continue;
    }
    if (loop)
      ev_timer_stop(loop, &t->timer);
    if (t->prev)
      t->prev->next = t->next;
    else
      s->timeouts = t->next;
    if (t->next)
      t->next->prev = t->prev;
    t->next = t->prev = NULL;
    t->s = NULL;
  }
  s->interrupts = Qnil;
  s->wseq = NULL;
  s->wrote_fd = -1;
  s->wrote_fiber = Qnil;
  s->drive_fiber = fork_fiber;
  s->polling = 0;
  s->running = 0;
  s->fork_gen = fork_gen;
}

/* Evix::Scheduler.forked (private): called in a forked child. */
static VALUE
sched_s_forked(VALUE klass)
{
  (void)klass;
  ++fork_gen;
  fork_fiber = rb_fiber_current();
  return Qnil;
}

/* ---- the hooks ----------------------------------------------------------- */

static int
ruby_to_ev(int events)
{
  return (events & (RUBY_IO_READABLE | RUBY_IO_PRIORITY) ? EV_READ : 0) |
         (events & RUBY_IO_WRITABLE ? EV_WRITE : 0);
}

/* Ruby's event bits for what happened, within what was asked for. */
static int
ev_to_ruby(int revents, int want)
{
  int got = 0;

  if (revents & EV_ERROR)
    return want; /* the fd is bad: the caller's next system call says so */
  if (revents & EV_READ)
    got |= want & (RUBY_IO_READABLE | RUBY_IO_PRIORITY);
  if (revents & EV_WRITE)
    got |= want & RUBY_IO_WRITABLE;
  return got;
}

/* A readiness check that does not wait (timeout 0). */
static int
poll_now(int fd, int events)
{
  struct pollfd p;
  int r;

  p.fd = fd;
  p.events = (short)((events & EV_READ ? POLLIN : 0) |
                     (events & EV_WRITE ? POLLOUT : 0));
  p.revents = 0;
  do
    r = poll(&p, 1, 0);
  while (r < 0 && errno == EINTR);
  if (r <= 0)
    return 0;
  if (p.revents & POLLNVAL)
    return EV_ERROR;
  return (p.revents & (POLLIN | POLLHUP | POLLERR) ? EV_READ : 0) |
         (p.revents & (POLLOUT | POLLHUP | POLLERR) ? EV_WRITE : 0);
}

/* #io_wait(io, events, timeout = nil) -> Integer events ready, or false
 * when the timeout passed. */
static VALUE
sched_io_wait(int argc, VALUE *argv, VALUE self)
{
  evix_sched_t *s;
  int fd, want, ev, got;
  double timeout;

  rb_check_arity(argc, 2, 3);
  s = hook_enter(self);
  fd = evix_sched_fd_of(argv[0]);
  want = NUM2INT(argv[1]);
  ev = ruby_to_ev(want);
  if (!ev)
    rb_raise(rb_eArgError, "io_wait: events must include IO::READABLE, "
                           "IO::PRIORITY or IO::WRITABLE (got %d)", want);
  timeout = evix_sched_seconds(argc > 2 ? argv[2] : Qnil);
  if (timeout == 0.) {
    got = poll_now(fd, ev);
    return got ? INT2NUM(ev_to_ruby(got, want)) : Qfalse;
  }
  if (fd == s->wrote_fd && ev == EV_WRITE &&
      s->wrote_fiber == rb_fiber_current()) {
    /* Ruby 3.1 hands io_write only the first part of a writev (puts:
     * the line, then its newline) and waits for writability before the
     * rest.  Going on at once when the fd is writable, and keeping other
     * writers out while it is not, keeps the parts together as one
     * writev would. */
    s->wrote_fd = -1;
    s->wrote_fiber = Qnil;
    got = poll_now(fd, EV_WRITE);
    if (!got && timeout < 0.)
      got = evix_sched_wait_write(s, fd);
    if (got)
      return INT2NUM(ev_to_ruby(got, want));
  }
  got = evix_sched_wait_fd(s, fd, ev, timeout);
  return got ? INT2NUM(ev_to_ruby(got, want)) : Qfalse;
}

/* #kernel_sleep(duration = nil): nil sleeps until #unblock. */
static VALUE
sched_kernel_sleep(int argc, VALUE *argv, VALUE self)
{
  evix_sched_t *s;
  evix_sched_wait_t w;
  double d;

  rb_check_arity(argc, 0, 1);
  s = hook_enter(self);
  d = evix_sched_seconds(argc ? argv[0] : Qnil);
  wait_init(s, &w, d == 0. ? EVIX_WAIT_YIELD : EVIX_WAIT_SLEEP);
  w.timeout = d > 0. ? d : -1.;
  wait_suspend(s, &w);
  return Qtrue;
}

/* #block(blocker, timeout = nil) -> true if unblocked, false on timeout. */
static VALUE
sched_block(int argc, VALUE *argv, VALUE self)
{
  evix_sched_t *s;
  evix_sched_wait_t w;

  rb_check_arity(argc, 1, 2);
  s = hook_enter(self);
  wait_init(s, &w, EVIX_WAIT_BLOCK);
  w.timeout = evix_sched_seconds(argc > 1 ? argv[1] : Qnil);
  wait_suspend(s, &w);
  return w.timed_out ? Qfalse : Qtrue;
}

/* #unblock(blocker, fiber): wakes fiber if it is in #block or
 * #kernel_sleep; anything else (a stale call) is ignored.  Any thread. */
static VALUE
sched_unblock(VALUE self, VALUE blocker, VALUE fiber)
{
  evix_sched_t *s = evix_sched_get(self);
  evix_sched_wait_t *w;

  (void)blocker;
  if (RB_UNLIKELY(s->fork_gen != fork_gen))
    return Qnil;
  w = wait_of(s, fiber);
  if (w && w->state == EVIX_WS_WAITING &&
      (w->kind == EVIX_WAIT_SLEEP || w->kind == EVIX_WAIT_BLOCK))
    wake(w);
  return Qnil;
}

/* #yield: lets the other ready fibers run first (Ruby 4's yield hook). */
static VALUE
sched_yield(VALUE self)
{
  evix_sched_t *s = hook_enter(self);
  evix_sched_wait_t w;

  wait_init(s, &w, EVIX_WAIT_YIELD);
  wait_suspend(s, &w);
  return Qnil;
}

/* Aims exc (or a timeout) at fiber's current wait; false if it has none
 * that could take it. */
static int
interrupt_wait(evix_sched_t *s, VALUE fiber, VALUE exc,
               evix_sched_timeout_t *t)
{
  evix_sched_wait_t *w = wait_of(s, fiber);

  if (!w || w->state == EVIX_WS_DONE || w->tmo || !NIL_P(w->exc))
    return 0;
  if (t)
    w->tmo = t;
  else
    w->exc = exc;
  if (w->state == EVIX_WS_WAITING) {
    w->timed_out = 0;
    wake(w);
  }
  return 1;
}

/* #fiber_interrupt(fiber, exception): raises exception in fiber at its
 * current (or next) wait in the scheduler.  Any thread. */
static VALUE
sched_fiber_interrupt(VALUE self, VALUE fiber, VALUE exception)
{
  evix_sched_t *s = evix_sched_get(self);
  VALUE exc = rb_make_exception(1, &exception);

  if (NIL_P(exc) || !rb_obj_is_kind_of(exc, rb_eException))
    rb_raise(rb_eTypeError, "exception class/object expected");
  if (interrupt_wait(s, fiber, exc, NULL))
    return Qtrue;
  if (!RTEST(rb_fiber_alive_p(fiber)))
    return Qfalse;
  if (NIL_P(s->interrupts))
    s->interrupts = rb_hash_new();
  rb_hash_aset(s->interrupts, fiber, exc);
  return Qtrue;
}

static void
tmo_cb(struct ev_loop *loop, ev_timer *tm, int revents)
{
  evix_sched_timeout_t *t = tm->data;
  evix_sched_t *s = t->s;

  (void)loop;
  (void)revents;
  if (!s || interrupt_wait(s, t->fiber, Qnil, t))
    return;
  /* The fiber is not waiting in a hook: it gets the exception at its
   * next wait. */
  t->pending = 1;
  ++s->npending;
}

struct tmo_args {
  evix_sched_timeout_t *t;
  VALUE duration;
};

static VALUE
tmo_body(VALUE p)
{
  struct tmo_args *a = (struct tmo_args *)p;
  return rb_yield(a->duration);
}

static VALUE
tmo_end(VALUE p)
{
  struct tmo_args *a = (struct tmo_args *)p;
  evix_sched_timeout_t *t = a->t;
  evix_sched_t *s = t->s;

  if (!s)
    return Qnil; /* dropped after a fork */
  if (s->lp->loop)
    ev_timer_stop(s->lp->loop, &t->timer);
  if (t->pending) {
    t->pending = 0;
    --s->npending;
  }
  if (t->prev)
    t->prev->next = t->next;
  else
    s->timeouts = t->next;
  if (t->next)
    t->next->prev = t->prev;
  return Qnil;
}

/* #timeout_after(duration, klass, message) { |duration| }: raises
 * klass.exception(message) in the current fiber if the block is still
 * running after duration seconds (at the wait it is in then). */
static VALUE
sched_timeout_after(VALUE self, VALUE duration, VALUE klass, VALUE message)
{
  evix_sched_t *s = hook_enter(self);
  struct ev_loop *loop = sched_loop(s);
  evix_sched_timeout_t t;
  struct tmo_args a;
  double d;

  rb_need_block();
  d = evix_sched_seconds(duration);
  if (d < 0.)
    return rb_yield(duration); /* nil: no limit */
  t.s = s;
  t.fiber = rb_fiber_current();
  t.klass = klass;
  t.message = message;
  t.pending = 0;
  t.prev = NULL;
  t.next = s->timeouts;
  if (s->timeouts)
    s->timeouts->prev = &t;
  s->timeouts = &t;
  ev_now_update(loop);
  ev_timer_init(&t.timer, tmo_cb, d, 0.);
  t.timer.data = &t;
  ev_timer_start(loop, &t.timer);
  a.t = &t;
  a.duration = duration;
  return rb_ensure(tmo_body, (VALUE)&a, tmo_end, (VALUE)&a);
}

/* ---- plumbing for scheduler.rb ------------------------------------------- */

/* #attach_loop(loop) (private): binds the scheduler to an Evix::Loop. */
static VALUE
sched_attach_loop(VALUE self, VALUE loop)
{
  evix_sched_t *s = rb_check_typeddata(self, &sched_type);

  if (s->lp)
    rb_raise(rb_eRuntimeError, "Evix::Scheduler already initialized");
  if (!rb_obj_is_kind_of(loop, evix_cLoop))
    rb_raise(rb_eTypeError, "wrong argument type %" PRIsVALUE
                            " (expected Evix::Loop)", rb_obj_class(loop));
  s->lp = evix_rb_loop_get_open(loop);
  s->loop_obj = loop;
  return loop;
}

static VALUE
sched_loop_obj(VALUE self)
{
  return evix_sched_get(self)->loop_obj;
}

/* #waiting -> Integer: fibers suspended in a hook. */
static VALUE
sched_waiting(VALUE self)
{
  evix_sched_t *s = evix_sched_get(self);
  if (s->fork_gen != fork_gen)
    return INT2FIX(0);
  return LONG2NUM(nwaits(s));
}

/* #ready_count -> Integer: fibers waiting to be resumed. */
static VALUE
sched_ready_count(VALUE self)
{
  return LONG2NUM(evix_sched_get(self)->nready);
}

static VALUE
sched_running_p(VALUE self)
{
  return evix_sched_get(self)->running ? Qtrue : Qfalse;
}

/* #pidfd_open(pid) (private) -> Integer fd, or nil where pidfds are not
 * available (the caller then waits on a helper thread). */
static VALUE
sched_pidfd_open(VALUE self, VALUE pid)
{
#if defined(__linux__) && defined(SYS_pidfd_open)
  long fd;

  (void)self;
  fd = syscall(SYS_pidfd_open, (pid_t)NUM2INT(pid), 0);
  if (fd < 0)
    return Qnil;
  rb_update_max_fd((int)fd); /* pidfds are close-on-exec already */
  return INT2NUM((int)fd);
#else
  (void)self;
  (void)pid;
  return Qnil;
#endif
}

/* Evix.setup_scheduler_class(klass) (private): gives lib/evix/scheduler.rb's
 * Evix::Scheduler its C side.  The class is made there, not here, so that
 * `autoload :Scheduler` in lib/evix.rb finds it undefined and loads the
 * Ruby half with it. */
static VALUE
evix_s_setup_scheduler_class(VALUE mod, VALUE klass)
{
  (void)mod;
  Check_Type(klass, T_CLASS);
  if (rb_get_alloc_func(klass) == sched_alloc)
    return klass;
  rb_define_alloc_func(klass, sched_alloc);
  rb_define_private_method(klass, "attach_loop", sched_attach_loop, 1);
  rb_define_private_method(klass, "pidfd_open", sched_pidfd_open, 1);
  rb_define_singleton_method(klass, "forked", sched_s_forked, 0);
  rb_funcall(klass, rb_intern("private_class_method"), 1,
             ID2SYM(rb_intern("forked")));

  rb_define_method(klass, "loop", sched_loop_obj, 0);
  rb_define_method(klass, "run", sched_run, 0);
  rb_define_method(klass, "waiting", sched_waiting, 0);
  rb_define_method(klass, "ready_count", sched_ready_count, 0);
  rb_define_method(klass, "running?", sched_running_p, 0);

  rb_define_method(klass, "io_wait", sched_io_wait, -1);
  rb_define_method(klass, "kernel_sleep", sched_kernel_sleep, -1);
  rb_define_method(klass, "block", sched_block, -1);
  rb_define_method(klass, "unblock", sched_unblock, 2);
  rb_define_method(klass, "yield", sched_yield, 0);
  rb_define_method(klass, "timeout_after", sched_timeout_after, 3);
  rb_define_method(klass, "fiber_interrupt", sched_fiber_interrupt, 2);

  evix_sched_init_io(klass);
  return klass;
}

void
evix_rb_init_scheduler(void)
{
  id_exception = rb_intern("exception");
  rb_gc_register_address(&fork_fiber);
  rb_define_private_method(rb_singleton_class(evix_mEvix),
                           "setup_scheduler_class",
                           evix_s_setup_scheduler_class, 1);
}
