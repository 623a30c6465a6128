/* ruby_watchers.c - Evix::Idle, Evix::Prepare and Evix::Check, and the
 * set-up of the other watcher classes.
 *
 *   idle = Evix::Idle.new(loop) { |w, events| ... }     # events: Evix::IDLE
 *   prep = Evix::Prepare.new(loop) { |w, events| ... }  # Evix::PREPARE
 *   chk  = Evix::Check.new(loop) { |w, events| ... }    # Evix::CHECK
 *   idle.start; idle.stop; idle.active?; idle.pending?; idle.priority = 1
 *
 * An Idle watcher runs when the loop has nothing of higher priority to do
 * (and keeps the loop from blocking while active); a Prepare watcher runs
 * just before the loop waits for events and a Check watcher just after.
 * They take no arguments besides the loop (ArgumentError otherwise; a
 * TypeError for a loop that is not an Evix::Loop, IOError if it is
 * closed).
 */
#include "evix_ext.h"

static void
idle_start(struct ev_loop *loop, ev_watcher *w)
{
  ev_idle_start(loop, (ev_idle *)w);
}

static void
idle_stop(struct ev_loop *loop, ev_watcher *w)
{
  ev_idle_stop(loop, (ev_idle *)w);
}

static void
prepare_start(struct ev_loop *loop, ev_watcher *w)
{
  ev_prepare_start(loop, (ev_prepare *)w);
}

static void
prepare_stop(struct ev_loop *loop, ev_watcher *w)
{
  ev_prepare_stop(loop, (ev_prepare *)w);
}

static void
check_start(struct ev_loop *loop, ev_watcher *w)
{
  ev_check_start(loop, (ev_check *)w);
}

static void
check_stop(struct ev_loop *loop, ev_watcher *w)
{
  ev_check_stop(loop, (ev_check *)w);
}

static const struct evix_rb_kind idle_kind = { "idle", idle_start,
                                               idle_stop, NULL, NULL };
static const struct evix_rb_kind prepare_kind = { "prepare", prepare_start,
                                                  prepare_stop, NULL, NULL };
static const struct evix_rb_kind check_kind = { "check", check_start,
                                                check_stop, NULL, NULL };

/* The three share one initialize: (loop) and a block. */
static VALUE
simple_initialize(int argc, VALUE *argv, VALUE self,
                  const struct evix_rb_kind *kind)
{
  VALUE loop, block;

  rb_scan_args(argc, argv, "1&", &loop, &block);
  evix_rb_watcher_setup(self, loop, kind, block);
  return self;
}

/* Evix::Idle.new(loop) { |watcher, events| } */
static VALUE
idle_initialize(int argc, VALUE *argv, VALUE self)
{
  return simple_initialize(argc, argv, self, &idle_kind);
}

/* Evix::Prepare.new(loop) { |watcher, events| } */
static VALUE
prepare_initialize(int argc, VALUE *argv, VALUE self)
{
  return simple_initialize(argc, argv, self, &prepare_kind);
}

/* Evix::Check.new(loop) { |watcher, events| } */
static VALUE
check_initialize(int argc, VALUE *argv, VALUE self)
{
  return simple_initialize(argc, argv, self, &check_kind);
}

void
evix_rb_init_watchers(void)
{
  VALUE c;

  c = rb_define_class_under(evix_mEvix, "Idle", evix_cWatcher);
  rb_define_method(c, "initialize", idle_initialize, -1);
  c = rb_define_class_under(evix_mEvix, "Prepare", evix_cWatcher);
  rb_define_method(c, "initialize", prepare_initialize, -1);
  c = rb_define_class_under(evix_mEvix, "Check", evix_cWatcher);
  rb_define_method(c, "initialize", check_initialize, -1);

  evix_rb_init_periodic();
  evix_rb_init_signal();
  evix_rb_init_child();
  evix_rb_init_stat();
  evix_rb_init_async();
}
