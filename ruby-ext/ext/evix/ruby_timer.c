/* ruby_timer.c - Evix::Timer: a relative timeout on the monotonic clock.
 *
 *   t = Evix::Timer.new(loop, 0.5, 1.0) { |timer| ... }  # after, repeat
 *   t.start; t.again; t.remaining
 */
#include "evix_ext.h"

static VALUE cTimer;

static void
timer_start(struct ev_loop *loop, ev_watcher *w)
{
  ev_timer_start(loop, (ev_timer *)w);
}

static void
timer_stop(struct ev_loop *loop, ev_watcher *w)
{
  ev_timer_stop(loop, (ev_timer *)w);
}

static const struct evix_rb_kind timer_kind = { "timer", timer_start,
                                                timer_stop };

static double
repeat_value(VALUE v)
{
  return NIL_P(v) ? 0. : evix_rb_seconds(v, "repeat", 1);
}

/* Evix::Timer.new(loop, after, repeat = 0) { |timer| } */
static VALUE
timer_initialize(int argc, VALUE *argv, VALUE self)
{
  VALUE loop, after, repeat, block;
  evix_rb_watcher_t *w;
  double a, r;

  rb_scan_args(argc, argv, "21&", &loop, &after, &repeat, &block);
  a = evix_rb_seconds(after, "after", 0);
  r = repeat_value(repeat);
  w = evix_rb_watcher_setup(self, loop, &timer_kind, block);
  ev_timer_set(&w->ev.timer, a, r);
  return self;
}

/* #set(after, repeat = 0): only while stopped. */
static VALUE
timer_set(int argc, VALUE *argv, VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);
  VALUE after, repeat;
  double a, r;

  rb_scan_args(argc, argv, "11", &after, &repeat);
  a = evix_rb_seconds(after, "after", 0);
  r = repeat_value(repeat);
  if (ev_is_active(&w->ev.w))
    rb_raise(rb_eRuntimeError, "cannot set an active Evix::Timer; stop it "
                               "first or use #again");
  ev_timer_set(&w->ev.timer, a, r);
  return self;
}

/* #again: restarts a repeating timer with its repeat value (see
 * ev_timer_again); stops it when repeat is 0. */
static VALUE
timer_again(VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);

  evix_rb_watcher_check_usable(w);
  ev_timer_again(w->loop->loop, &w->ev.timer);
  if (ev_is_active(&w->ev.w))
    evix_rb_watcher_start(w); /* links it if it was not active */
  else
    evix_rb_watcher_sync(w);
  return self;
}

/* #remaining -> Float seconds until it fires (what is left when stopped) */
static VALUE
timer_remaining(VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);

  if (!w->loop || !w->loop->loop)
    return DBL2NUM(w->ev.timer.at);
  return DBL2NUM(ev_timer_remaining(w->loop->loop, &w->ev.timer));
}

static VALUE
timer_repeat(VALUE self)
{
  return DBL2NUM(evix_rb_watcher_get(self)->ev.timer.repeat);
}

/* #repeat = seconds: takes effect at the next expiry or #again. */
static VALUE
timer_set_repeat(VALUE self, VALUE repeat)
{
  evix_rb_watcher_get(self)->ev.timer.repeat = repeat_value(repeat);
  return repeat;
}

void
evix_rb_init_timer(void)
{
  cTimer = rb_define_class_under(evix_mEvix, "Timer", evix_cWatcher);
  rb_define_method(cTimer, "initialize", timer_initialize, -1);
  rb_define_method(cTimer, "set", timer_set, -1);
  rb_define_method(cTimer, "again", timer_again, 0);
  rb_define_method(cTimer, "remaining", timer_remaining, 0);
  rb_define_method(cTimer, "repeat", timer_repeat, 0);
  rb_define_method(cTimer, "repeat=", timer_set_repeat, 1);
}
