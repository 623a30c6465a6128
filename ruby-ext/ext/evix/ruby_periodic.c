/* ruby_periodic.c - Evix::Periodic: events at wall-clock times.
 *
 *   Evix::Periodic.new(loop, offset: t) { |w, events| }    # once, at time t
 *   Evix::Periodic.new(loop, offset: 0, interval: 60) { } # every full minute
 *   Evix::Periodic.new(loop, reschedule: ->(w, now) { now + 1.5 }) { }
 *   p.start; p.stop; p.at; p.again; p.offset; p.interval
 *
 * Times are seconds since the epoch (Float, or a Time for offset:).  With
 * an interval, the watcher fires at every offset + N * interval (and so
 * follows the wall clock when it is set).  With reschedule:, any object
 * answering #call(watcher, now) says when the next event is: a time (not
 * before now; earlier ones are taken as now), or nil to stop the watcher
 * after its current event.  If it raises, the exception propagates from
 * Loop#run (or #start / #again) and the watcher is stopped.  It runs
 * while libev updates its periodic heap, so it may not start, stop or run
 * anything on the loop (RuntimeError, which stops the watcher too).  Bad
 * arguments raise TypeError or ArgumentError (negative interval, NaN).
 */
#include "evix_ext.h"

static VALUE cPeriodic;
static ID id_call, id_offset, id_interval, id_reschedule, id_to_f;

/* Returned to libev when there is no next time (nil, an exception). */
#define NEVER 1e30

struct periodic_data {
  int in_call;   /* inside #start / #again: failures are handled there */
  int state;     /* rb_protect state of a block that raised in a call */
  int finished;  /* the block returned nil (or raised) during a call */
};

static void
periodic_start(struct ev_loop *loop, ev_watcher *w)
{
  ev_periodic_start(loop, (ev_periodic *)w);
}

static void
periodic_stop(struct ev_loop *loop, ev_watcher *w)
{
  ev_periodic_stop(loop, (ev_periodic *)w);
}

static size_t
periodic_memsize(const evix_rb_watcher_t *w)
{
  (void)w;
  return sizeof(struct periodic_data);
}

static const struct evix_rb_kind periodic_kind = {
  "periodic", periodic_start, periodic_stop, NULL, periodic_memsize
};

/* A time: a Numeric or anything with #to_f that is a Time. */
static double
time_value(VALUE v, const char *what)
{
  if (rb_obj_is_kind_of(v, rb_cTime))
    v = rb_funcall(v, id_to_f, 0);
  return evix_rb_seconds(v, what, 0);
}

/* ---- the reschedule block ------------------------------------------------ */

struct resched_call {
  evix_rb_watcher_t *w;
  double now;
  double next;
  int none;
};

static VALUE
call_reschedule(VALUE p)
{
  struct resched_call *c = (struct resched_call *)p;
  VALUE r = rb_funcall(c->w->extra, id_call, 2, c->w->self, DBL2NUM(c->now));

  if (NIL_P(r))
    c->none = 1;
  else
    c->next = time_value(r, "the reschedule block's result");
  return Qnil;
}

/* Called by libev, with the GVL, inside ev_run or inside start/again:
 * nothing may unwind through it, hence rb_protect. */
static ev_tstamp
periodic_reschedule(ev_periodic *ew, ev_tstamp now)
{
  evix_rb_watcher_t *w = ew->data;
  struct periodic_data *pd = w->kind_data;
  evix_rb_loop_t *lp = w->loop;
  struct resched_call c;
  int state = 0;

  if (!lp || pd->state)
    return NEVER;
  if (lp->exc_tag)
    /* Another callback raised in this iteration: no Ruby now.  Due again
     * at once, it is rescheduled properly when the loop runs next. */
    return now;
  c.w = w;
  c.now = now;
  c.next = now;
  c.none = 0;
  /* libev is in the middle of its periodic heap: the block must not
   * start, stop or run anything on this loop. */
  ++lp->locked;
  rb_protect(call_reschedule, (VALUE)&c, &state);
  --lp->locked;
  if (!state && !c.none)
    return c.next < now ? now : c.next;
  if (state) {
    if (pd->in_call) {
      pd->state = state;
    } else {
      lp->exc_tag = state;
      ev_break(lp->loop, EVBREAK_ALL);
    }
  }
  /* No next time: stop the watcher, which libev does not allow here. */
  if (pd->in_call)
    pd->finished = 1;
  else
    evix_rb_loop_stop_later(lp, w);
  return NEVER;
}

/* Runs ev_periodic_start or _again for #start / #again, then deals with
 * what the reschedule block did meanwhile. */
static void
periodic_call(evix_rb_watcher_t *w, int again)
{
  struct periodic_data *pd = w->kind_data;
  int state;

  evix_rb_watcher_check_usable(w);
  pd->in_call = 1;
  pd->state = 0;
  pd->finished = 0;
  if (again) {
    ev_periodic_again(w->loop->loop, &w->ev.periodic);
    if (ev_is_active(&w->ev.w))
      evix_rb_watcher_start(w); /* only links it */
    else
      evix_rb_watcher_sync(w);
  } else {
    evix_rb_watcher_start(w);
  }
  pd->in_call = 0;
  state = pd->state;
  pd->state = 0;
  if (pd->finished) {
    pd->finished = 0;
    evix_rb_watcher_stop(w);
  }
  if (state)
    rb_jump_tag(state);
}

/* ---- methods -------------------------------------------------------------- */

static evix_rb_watcher_t *
get_periodic(VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);
  if (w->kind != &periodic_kind)
    rb_raise(rb_eRuntimeError, "Evix::Periodic is not initialized");
  return w;
}

static VALUE
check_reschedule(VALUE r)
{
  if (!NIL_P(r) && !rb_respond_to(r, id_call))
    rb_raise(rb_eTypeError, "reschedule: must respond to #call (got %"
                            PRIsVALUE ")", rb_obj_class(r));
  return r;
}

/* Evix::Periodic.new(loop, offset: 0, interval: 0, reschedule: nil)
 *   { |watcher, events| } */
static VALUE
periodic_initialize(int argc, VALUE *argv, VALUE self)
{
  VALUE loop, opts, block, vals[3];
  ID kw[3];
  evix_rb_watcher_t *w;
  double offset = 0., interval = 0.;
  VALUE resched = Qnil;

  rb_scan_args(argc, argv, "1:&", &loop, &opts, &block);
  kw[0] = id_offset;
  kw[1] = id_interval;
  kw[2] = id_reschedule;
  vals[0] = vals[1] = vals[2] = Qundef;
  if (!NIL_P(opts))
    rb_get_kwargs(opts, kw, 0, 3, vals);
  if (vals[0] != Qundef)
    offset = time_value(vals[0], "offset");
  if (vals[1] != Qundef)
    interval = evix_rb_seconds(vals[1], "interval", 1);
  if (vals[2] != Qundef)
    resched = check_reschedule(vals[2]);

  w = evix_rb_watcher_setup(self, loop, &periodic_kind, block);
  w->kind_data = ZALLOC(struct periodic_data);
  RB_OBJ_WRITE(self, &w->extra, resched);
  ev_periodic_set(&w->ev.periodic, offset, interval,
                  NIL_P(resched) ? 0 : periodic_reschedule);
  return self;
}

/* #start -> self (raises what the reschedule block raised) */
static VALUE
periodic_m_start(VALUE self)
{
  evix_rb_watcher_t *w = get_periodic(self);

  if (!ev_is_active(&w->ev.w))
    periodic_call(w, 0);
  return self;
}

/* #again -> self: recomputes the next time from offset/interval/reschedule
 * (after changing them), starting the watcher if it was stopped. */
static VALUE
periodic_again(VALUE self)
{
  periodic_call(get_periodic(self), 1);
  return self;
}

/* #at -> Float: the time of the next event (while active) */
static VALUE
periodic_at(VALUE self)
{
  return DBL2NUM(ev_periodic_at(&get_periodic(self)->ev.periodic));
}

static VALUE
periodic_offset(VALUE self)
{
  return DBL2NUM(get_periodic(self)->ev.periodic.offset);
}

/* #offset = time: used from the next #again / #start (or interval step) */
static VALUE
periodic_set_offset(VALUE self, VALUE v)
{
  get_periodic(self)->ev.periodic.offset = time_value(v, "offset");
  return v;
}

static VALUE
periodic_interval(VALUE self)
{
  return DBL2NUM(get_periodic(self)->ev.periodic.interval);
}

/* #interval = seconds: used from the next event, #again or #start */
static VALUE
periodic_set_interval(VALUE self, VALUE v)
{
  get_periodic(self)->ev.periodic.interval =
    evix_rb_seconds(v, "interval", 1);
  return v;
}

static VALUE
periodic_reschedule_get(VALUE self)
{
  return get_periodic(self)->extra;
}

/* #reschedule = callable or nil: only while stopped */
static VALUE
periodic_reschedule_set(VALUE self, VALUE r)
{
  evix_rb_watcher_t *w = get_periodic(self);

  check_reschedule(r);
  if (ev_is_active(&w->ev.w))
    rb_raise(rb_eRuntimeError, "cannot change the reschedule block of an "
                               "active Evix::Periodic; stop it first");
  RB_OBJ_WRITE(self, &w->extra, r);
  w->ev.periodic.reschedule_cb = NIL_P(r) ? 0 : periodic_reschedule;
  return r;
}

void
evix_rb_init_periodic(void)
{
  id_call = rb_intern("call");
  id_offset = rb_intern("offset");
  id_interval = rb_intern("interval");
  id_reschedule = rb_intern("reschedule");
  id_to_f = rb_intern("to_f");

  cPeriodic = rb_define_class_under(evix_mEvix, "Periodic", evix_cWatcher);
  rb_define_method(cPeriodic, "initialize", periodic_initialize, -1);
  rb_define_method(cPeriodic, "start", periodic_m_start, 0);
  rb_define_method(cPeriodic, "again", periodic_again, 0);
  rb_define_method(cPeriodic, "at", periodic_at, 0);
  rb_define_method(cPeriodic, "offset", periodic_offset, 0);
  rb_define_method(cPeriodic, "offset=", periodic_set_offset, 1);
  rb_define_method(cPeriodic, "interval", periodic_interval, 0);
  rb_define_method(cPeriodic, "interval=", periodic_set_interval, 1);
  rb_define_method(cPeriodic, "reschedule", periodic_reschedule_get, 0);
  rb_define_method(cPeriodic, "reschedule=", periodic_reschedule_set, 1);
}
