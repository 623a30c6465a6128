/* ruby_watcher.c - Evix::Watcher, what every watcher class shares.
 *
 * A watcher object owns a C struct with the libev watcher inside (see
 * evix_ext.h).  The libev callback of every watcher is one trampoline that
 * calls the Ruby block through rb_protect; an exception is stored in the
 * loop, which then breaks and re-raises it from Loop#run.
 */
#include "evix_ext.h"

VALUE evix_cWatcher;
int evix_rb_freeing;

static ID id_call, id_r, id_w, id_rw, id_read, id_write, id_readwrite;

/* ---- GC ------------------------------------------------------------------ */

static void
watcher_mark(void *p)
{
  evix_rb_watcher_t *w = p;

  rb_gc_mark_movable(w->self);
  rb_gc_mark_movable(w->loop_obj);
  rb_gc_mark_movable(w->callback);
  rb_gc_mark_movable(w->target);
  rb_gc_mark_movable(w->extra);
}

static void
watcher_compact(void *p)
{
  evix_rb_watcher_t *w = p;

  w->self = rb_gc_location(w->self);
  w->loop_obj = rb_gc_location(w->loop_obj);
  w->callback = rb_gc_location(w->callback);
  w->target = rb_gc_location(w->target);
  w->extra = rb_gc_location(w->extra);
}

static void
unlink_watcher(evix_rb_watcher_t *w)
{
  evix_rb_loop_t *lp = w->loop;

  if (!w->linked)
    return;
  if (w->prev)
    w->prev->next = w->next;
  else
    lp->active = w->next;
  if (w->next)
    w->next->prev = w->prev;
  w->prev = w->next = NULL;
  w->linked = 0;
}

static void
link_watcher(evix_rb_watcher_t *w)
{
  evix_rb_loop_t *lp = w->loop;

  if (w->linked)
    return;
  w->prev = NULL;
  w->next = lp->active;
  if (lp->active)
    lp->active->prev = w;
  lp->active = w;
  w->linked = 1;
  /* The loop (WB-protected) now references the watcher. */
  RB_OBJ_WRITTEN(lp->self, Qundef, w->self);
}

void
evix_rb_watcher_detach(evix_rb_watcher_t *w)
{
  evix_rb_loop_t *lp = w->loop;

  if (!lp)
    return;
  if (lp->loop && w->kind && ev_is_active(&w->ev.w))
    w->kind->stop(lp->loop, &w->ev.w);
  else if (lp->loop && w->kind)
    ev_clear_pending(lp->loop, &w->ev.w);
  unlink_watcher(w);
  evix_rb_loop_undefer(lp, &w->ev.w);
  if (w->stop_queued) {
    evix_rb_watcher_t **pp = &lp->stop_later;
    while (*pp && *pp != w)
      pp = &(*pp)->stop_next;
    if (*pp)
      *pp = w->stop_next;
    w->stop_next = NULL;
    w->stop_queued = 0;
  }
  /* Off the loop's list of all its watchers. */
  if (w->all_prev)
    w->all_prev->all_next = w->all_next;
  else
    lp->all = w->all_next;
  if (w->all_next)
    w->all_next->all_prev = w->all_prev;
  w->all_prev = w->all_next = NULL;
  w->loop = NULL;
}

static void
watcher_free(void *p)
{
  evix_rb_watcher_t *w = p;

  /* Plain C: stop the libev watcher if the loop still exists. */
  evix_rb_freeing = 1;
  evix_rb_watcher_detach(w);
  evix_rb_freeing = 0;
  xfree(w->kind_data);
  xfree(w);
}

static size_t
watcher_memsize(const void *p)
{
  const evix_rb_watcher_t *w = p;
  size_t n = sizeof *w;

  if (w->kind && w->kind->memsize)
    n += w->kind->memsize(w);
  return n;
}

const rb_data_type_t evix_rb_watcher_type = {
  "Evix::Watcher",
  { watcher_mark, watcher_free, watcher_memsize, watcher_compact },
  NULL, NULL,
  RUBY_TYPED_FREE_IMMEDIATELY | RUBY_TYPED_WB_PROTECTED
};

static VALUE
watcher_alloc(VALUE klass)
{
  evix_rb_watcher_t *w;
  VALUE obj = TypedData_Make_Struct(klass, evix_rb_watcher_t,
                                    &evix_rb_watcher_type, w);
  w->self = obj;
  w->loop_obj = w->callback = w->target = w->extra = Qnil;
  w->ev.w.data = w;
  return obj;
}

evix_rb_watcher_t *
evix_rb_watcher_get(VALUE obj)
{
  return rb_check_typeddata(obj, &evix_rb_watcher_type);
}

static evix_rb_watcher_t *
watcher_get_ready(VALUE obj)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(obj);
  if (!w->kind)
    rb_raise(rb_eRuntimeError, "%" PRIsVALUE " is not initialized",
             rb_obj_class(obj));
  return w;
}

evix_rb_watcher_t *
evix_rb_watcher_setup(VALUE self, VALUE loop, const struct evix_rb_kind *kind,
                      VALUE block)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);
  evix_rb_loop_t *lp;

  if (w->kind)
    rb_raise(rb_eRuntimeError, "%" PRIsVALUE " already initialized",
             rb_obj_class(self));
  if (!rb_obj_is_kind_of(loop, evix_cLoop))
    rb_raise(rb_eTypeError, "wrong argument type %" PRIsVALUE
                            " (expected Evix::Loop)", rb_obj_class(loop));
  lp = evix_rb_loop_get_open(loop);
  if (!NIL_P(block) && !rb_obj_is_proc(block))
    rb_raise(rb_eTypeError, "callback must be a Proc");

  w->kind = kind;
  w->loop = lp;
  w->all_prev = NULL;
  w->all_next = lp->all;
  if (lp->all)
    lp->all->all_prev = w;
  lp->all = w;
  RB_OBJ_WRITE(self, &w->loop_obj, loop);
  RB_OBJ_WRITE(self, &w->callback, block);
  ev_init(&w->ev.w, evix_rb_watcher_dispatch);
  w->ev.w.data = w;
  return w;
}

void
evix_rb_watcher_sync(evix_rb_watcher_t *w)
{
  if (w->linked && !ev_is_active(&w->ev.w))
    unlink_watcher(w);
}

void
evix_rb_watcher_check_usable(evix_rb_watcher_t *w)
{
  if (!w->loop || !w->loop->loop || w->loop->closing)
    rb_raise(rb_eIOError, "the watcher's Evix::Loop is closed");
  evix_rb_loop_check_unlocked(w->loop);
}

void
evix_rb_watcher_start(evix_rb_watcher_t *w)
{
  evix_rb_watcher_check_usable(w);
  if (!ev_is_active(&w->ev.w))
    w->kind->start(w->loop->loop, &w->ev.w);
  if (ev_is_active(&w->ev.w))
    link_watcher(w);
}

void
evix_rb_watcher_stop(evix_rb_watcher_t *w)
{
  if (!w->loop || !w->loop->loop)
    return;
  evix_rb_loop_check_unlocked(w->loop);
  w->kind->stop(w->loop->loop, &w->ev.w);
  /* The kind may have called Ruby, and so let another thread start w
   * again: only an inactive watcher leaves the active list. */
  if (!w->loop || !w->loop->loop || ev_is_active(&w->ev.w))
    return;
  /* Like libev's stop, which clears pending events: an event held back
   * by an exception is pending too. */
  evix_rb_loop_undefer(w->loop, &w->ev.w);
  unlink_watcher(w);
}

/* ---- dispatch ------------------------------------------------------------- */

struct call_args {
  evix_rb_watcher_t *w;
  int revents;
};

static VALUE
call_callback(VALUE p)
{
  struct call_args *a = (struct call_args *)p;
  evix_rb_watcher_t *w = a->w;
  VALUE cb, args[2];
  int arity;

  args[0] = w->self;
  if (w->kind->event_arg) {
    args[1] = w->kind->event_arg(w, a->revents);
    if (args[1] == Qundef)
      return Qnil;
  } else {
    args[1] = INT2NUM(a->revents);
  }
  cb = w->callback;
  if (NIL_P(cb))
    return Qnil;
  /* Blocks take what they ask for; lambdas exactly their arity. */
  arity = rb_proc_arity(cb);
  if (rb_proc_lambda_p(cb) && arity >= 0 && arity < 2)
    return rb_proc_call_with_block(cb, arity, args, Qnil);
  return rb_proc_call_with_block(cb, 2, args, Qnil);
}

void
evix_rb_watcher_dispatch(struct ev_loop *loop, ev_watcher *ew, int revents)
{
  evix_rb_watcher_t *w = ew->data;
  evix_rb_loop_t *lp = w->loop;
  struct call_args a;
  VALUE self;
  int state = 0;

  if (!lp)
    return;
  if (lp->exc_tag) {
    /* An earlier callback raised: keep this event for the next run. */
    evix_rb_loop_defer(lp, ew, revents);
    return;
  }
  /* libev stops some watchers before calling back (one-shot timers, io
   * watchers on a bad fd): they no longer need the loop's reference. */
  evix_rb_watcher_sync(w);
  if (NIL_P(w->callback) && !w->kind->event_arg)
    return;

  self = w->self;
  a.w = w;
  a.revents = revents;
  rb_protect(call_callback, (VALUE)&a, &state);
  RB_GC_GUARD(self);
  if (state) {
    lp->exc_tag = state;
    ev_break(loop, EVBREAK_ALL);
  }
}

/* ---- events --------------------------------------------------------------- */

int
evix_rb_events(VALUE events)
{
  if (FIXNUM_P(events)) {
    int ev = FIX2INT(events);
    if (ev & ~(EV_READ | EV_WRITE))
      rb_raise(rb_eArgError, "events must be a combination of "
                             "Evix::READ and Evix::WRITE, got %d", ev);
    return ev;
  }
  if (SYMBOL_P(events)) {
    ID id = SYM2ID(events);
    if (id == id_r || id == id_read)
      return EV_READ;
    if (id == id_w || id == id_write)
      return EV_WRITE;
    if (id == id_rw || id == id_readwrite)
      return EV_READ | EV_WRITE;
    rb_raise(rb_eArgError, "unknown events %" PRIsVALUE
                           " (expected :r, :w or :rw)", events);
  }
  rb_raise(rb_eTypeError, "events must be :r, :w, :rw or an Integer");
  return 0;
}

double
evix_rb_seconds(VALUE v, const char *what, int nonneg)
{
  double d;

  if (!RB_FLOAT_TYPE_P(v) && !RB_INTEGER_TYPE_P(v) &&
      !rb_obj_is_kind_of(v, rb_cNumeric))
    rb_raise(rb_eTypeError, "%s must be Numeric (seconds), not %" PRIsVALUE,
             what, rb_obj_class(v));
  d = NUM2DBL(v);
  if (d != d)
    rb_raise(rb_eArgError, "%s must not be NaN", what);
  if (nonneg && d < 0.)
    rb_raise(rb_eArgError, "%s must not be negative (%g)", what, d);
  return d;
}

/* ---- Evix::Watcher methods -------------------------------------------------- */

/* #start -> self */
static VALUE
watcher_m_start(VALUE self)
{
  evix_rb_watcher_start(watcher_get_ready(self));
  return self;
}

/* #stop -> self (stopping a stopped watcher is fine) */
static VALUE
watcher_m_stop(VALUE self)
{
  evix_rb_watcher_stop(watcher_get_ready(self));
  return self;
}

static VALUE
watcher_active_p(VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);
  return w->kind && ev_is_active(&w->ev.w) ? Qtrue : Qfalse;
}

static VALUE
watcher_pending_p(VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);

  if (!w->kind)
    return Qfalse;
  if (ev_is_pending(&w->ev.w))
    return Qtrue;
  return w->loop && evix_rb_loop_is_deferred(w->loop, &w->ev.w) ? Qtrue
                                                                 : Qfalse;
}

static VALUE
watcher_priority(VALUE self)
{
  return INT2NUM(ev_priority(&watcher_get_ready(self)->ev.w));
}

/* #priority = Integer in -2..2; only while the watcher is stopped, as in
 * libev. */
static VALUE
watcher_set_priority(VALUE self, VALUE pri)
{
  evix_rb_watcher_t *w = watcher_get_ready(self);
  int p = NUM2INT(pri);

  if (p < EV_MINPRI || p > EV_MAXPRI)
    rb_raise(rb_eArgError, "priority %d out of range %d..%d", p, EV_MINPRI,
             EV_MAXPRI);
  if (ev_is_active(&w->ev.w) || ev_is_pending(&w->ev.w))
    rb_raise(rb_eRuntimeError, "cannot change the priority of an active "
                               "or pending watcher");
  ev_set_priority(&w->ev.w, p);
  return pri;
}

static VALUE
watcher_loop(VALUE self)
{
  return watcher_get_ready(self)->loop_obj;
}

/* #callback = proc (or nil to ignore events) */
static VALUE
watcher_set_callback(VALUE self, VALUE cb)
{
  evix_rb_watcher_t *w = watcher_get_ready(self);
  if (!NIL_P(cb) && !rb_obj_is_proc(cb))
    rb_raise(rb_eTypeError, "callback must be a Proc or nil");
  RB_OBJ_WRITE(self, &w->callback, cb);
  return cb;
}

static VALUE
watcher_callback(VALUE self)
{
  return watcher_get_ready(self)->callback;
}

/* #feed(revents = 0): makes the watcher pending as if revents happened. */
static VALUE
watcher_feed(int argc, VALUE *argv, VALUE self)
{
  evix_rb_watcher_t *w = watcher_get_ready(self);
  VALUE rev = Qnil;

  rb_scan_args(argc, argv, "01", &rev);
  evix_rb_watcher_check_usable(w);
  ev_feed_event(w->loop->loop, &w->ev.w, NIL_P(rev) ? 0 : NUM2INT(rev));
  return self;
}

/* #clear_pending -> Integer events that were pending (0 if none) */
static VALUE
watcher_clear_pending(VALUE self)
{
  evix_rb_watcher_t *w = watcher_get_ready(self);
  evix_rb_watcher_check_usable(w);
  return INT2NUM(ev_clear_pending(w->loop->loop, &w->ev.w) |
                 evix_rb_loop_undefer(w->loop, &w->ev.w));
}

void
evix_rb_init_watcher(void)
{
  id_call = rb_intern("call");
  id_r = rb_intern("r");
  id_w = rb_intern("w");
  id_rw = rb_intern("rw");
  id_read = rb_intern("read");
  id_write = rb_intern("write");
  id_readwrite = rb_intern("read_write");

  evix_cWatcher = rb_define_class_under(evix_mEvix, "Watcher", rb_cObject);
  rb_define_alloc_func(evix_cWatcher, watcher_alloc);
  rb_define_method(evix_cWatcher, "start", watcher_m_start, 0);
  rb_define_method(evix_cWatcher, "stop", watcher_m_stop, 0);
  rb_define_method(evix_cWatcher, "active?", watcher_active_p, 0);
  rb_define_method(evix_cWatcher, "pending?", watcher_pending_p, 0);
  rb_define_method(evix_cWatcher, "priority", watcher_priority, 0);
  rb_define_method(evix_cWatcher, "priority=", watcher_set_priority, 1);
  rb_define_method(evix_cWatcher, "loop", watcher_loop, 0);
  rb_define_method(evix_cWatcher, "callback", watcher_callback, 0);
  rb_define_method(evix_cWatcher, "callback=", watcher_set_callback, 1);
  rb_define_method(evix_cWatcher, "feed", watcher_feed, -1);
  rb_define_method(evix_cWatcher, "clear_pending", watcher_clear_pending, 0);

  rb_define_const(evix_mEvix, "READ", INT2NUM(EV_READ));
  rb_define_const(evix_mEvix, "WRITE", INT2NUM(EV_WRITE));
  rb_define_const(evix_mEvix, "TIMER", INT2NUM(EV_TIMER));
  rb_define_const(evix_mEvix, "PERIODIC", INT2NUM(EV_PERIODIC));
  rb_define_const(evix_mEvix, "SIGNAL", INT2NUM(EV_SIGNAL));
  rb_define_const(evix_mEvix, "CHILD", INT2NUM(EV_CHILD));
  rb_define_const(evix_mEvix, "STAT", INT2NUM(EV_STAT));
  rb_define_const(evix_mEvix, "IDLE", INT2NUM(EV_IDLE));
  rb_define_const(evix_mEvix, "PREPARE", INT2NUM(EV_PREPARE));
  rb_define_const(evix_mEvix, "CHECK", INT2NUM(EV_CHECK));
  rb_define_const(evix_mEvix, "ASYNC", INT2NUM(EV_ASYNC));
  rb_define_const(evix_mEvix, "CUSTOM", INT2NUM(EV_CUSTOM));
  rb_define_const(evix_mEvix, "ERROR", INT2NUM(EV_ERROR));
  rb_define_const(evix_mEvix, "MINPRI", INT2NUM(EV_MINPRI));
  rb_define_const(evix_mEvix, "MAXPRI", INT2NUM(EV_MAXPRI));
}
