/* ruby_async.c - Evix::Async: waking a loop from another thread.
 *
 *   a = Evix::Async.new(loop) { |w, events| ... }  # events: Evix::ASYNC
 *   a.start
 *   Thread.new { a.send }   # or a.signal; safe from any Ruby thread
 *   a.async_pending?        # sent, callback not yet run
 *
 * Sends coalesce: several sends before the loop notices run the block
 * once.  A send to a stopped watcher is lost (it is cleared when the
 * watcher starts).  #send with arguments is still Object#send, so
 * `a.send(:start)` calls #start.  A send after the loop was closed raises
 * IOError.
 */
#include "evix_ext.h"

static ID id___send__;

static void
async_start(struct ev_loop *loop, ev_watcher *w)
{
  ev_async_start(loop, (ev_async *)w);
}

static void
async_stop(struct ev_loop *loop, ev_watcher *w)
{
  ev_async_stop(loop, (ev_async *)w);
}

static const struct evix_rb_kind async_kind = { "async", async_start,
                                                async_stop, NULL, NULL };

/* Evix::Async.new(loop) { |watcher, events| } */
static VALUE
async_initialize(int argc, VALUE *argv, VALUE self)
{
  VALUE loop, block;

  rb_scan_args(argc, argv, "1&", &loop, &block);
  /* Nothing to set: ev_async_start clears an earlier send. */
  evix_rb_watcher_setup(self, loop, &async_kind, block);
  return self;
}

/* #send / #signal -> self.  The GVL is held, so the loop cannot be closed
 * under us; ev_async_send itself is safe against a loop that runs in
 * another thread with the GVL released. */
static VALUE
async_send_now(VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);

  if (!w->kind)
    rb_raise(rb_eRuntimeError, "Evix::Async is not initialized");
  evix_rb_watcher_check_usable(w);
  ev_async_send(w->loop->loop, &w->ev.async);
  return self;
}

/* #send(*args): with no arguments, wakes the loop; with some, it is
 * Object#send as everywhere else. */
static VALUE
async_send(int argc, VALUE *argv, VALUE self)
{
  if (argc == 0)
    return async_send_now(self);
  return rb_funcall_passing_block_kw(self, id___send__, argc, argv,
                                     rb_keyword_given_p());
}

static VALUE
async_signal(VALUE self)
{
  return async_send_now(self);
}

/* #async_pending? -> true between a send and the callback */
static VALUE
async_pending_p(VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);
  return w->kind && ev_async_pending(&w->ev.async) ? Qtrue : Qfalse;
}

void
evix_rb_init_async(void)
{
  VALUE c = rb_define_class_under(evix_mEvix, "Async", evix_cWatcher);

  id___send__ = rb_intern("__send__");
  rb_define_method(c, "initialize", async_initialize, -1);
  rb_define_method(c, "send", async_send, -1);
  rb_define_method(c, "signal", async_signal, 0);
  rb_define_method(c, "async_pending?", async_pending_p, 0);
}
