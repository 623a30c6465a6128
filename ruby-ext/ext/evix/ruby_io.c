/* ruby_io.c - Evix::IO: readiness of a file descriptor.
 *
 *   w = Evix::IO.new(loop, io, :r) { |watcher, events| ... }
 *   w.start
 *
 * `io` is an IO object (kept alive by the watcher) or an Integer fd.  The
 * block gets Evix::READ / Evix::WRITE bits; Evix::ERROR means the fd was
 * found closed or invalid, and the watcher has been stopped.  A closed IO
 * raises IOError (from #new, #set and #start).
 */
#include "evix_ext.h"

#include <ruby/io.h>

static VALUE cIO;

static int fd_of(VALUE io);

/* An IO object is looked at again: closed since #new, it raises IOError
 * (its number may name another file by now); reopened, its new fd is
 * watched. */
static void
io_start(struct ev_loop *loop, ev_watcher *ew)
{
  evix_rb_watcher_t *w = ew->data;

  if (!NIL_P(w->target)) {
    int fd = fd_of(w->target);
    if (fd != w->ev.io.fd)
      ev_io_set(&w->ev.io, fd, w->ev.io.events & (EV_READ | EV_WRITE));
  }
  ev_io_start(loop, &w->ev.io);
}

static void
io_stop(struct ev_loop *loop, ev_watcher *w)
{
  ev_io_stop(loop, (ev_io *)w);
}

static const struct evix_rb_kind io_kind = { "io", io_start, io_stop };

/* The fd of an IO (IOError if closed) or an Integer (>= 0). */
static int
fd_of(VALUE io)
{
  if (RB_INTEGER_TYPE_P(io)) {
    int fd = NUM2INT(io);
    if (fd < 0)
      rb_raise(rb_eArgError, "negative file descriptor %d", fd);
    return fd;
  }
  if (!RB_TYPE_P(io, T_FILE))
    io = rb_convert_type(io, T_FILE, "IO", "to_io");
#ifdef HAVE_RB_IO_DESCRIPTOR
  return rb_io_descriptor(io); /* raises IOError when closed */
#else
  {
    rb_io_t *fptr;
    GetOpenFile(io, fptr);
    rb_io_check_closed(fptr);
    return fptr->fd;
  }
#endif
}

static void
io_set(evix_rb_watcher_t *w, VALUE io, VALUE events)
{
  int fd = fd_of(io);
  int ev = NIL_P(events) ? EV_READ : evix_rb_events(events);

  ev_io_set(&w->ev.io, fd, ev);
  RB_OBJ_WRITE(w->self, &w->target, RB_INTEGER_TYPE_P(io) ? Qnil : io);
}

/* Evix::IO.new(loop, io, events = :r) { |watcher, events| } */
static VALUE
io_initialize(int argc, VALUE *argv, VALUE self)
{
  VALUE loop, io, events, block;
  evix_rb_watcher_t *w;

  rb_scan_args(argc, argv, "21&", &loop, &io, &events, &block);
  w = evix_rb_watcher_setup(self, loop, &io_kind, block);
  io_set(w, io, events);
  return self;
}

/* #set(io, events = :r): only while stopped. */
static VALUE
io_m_set(int argc, VALUE *argv, VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);
  VALUE io, events;

  rb_scan_args(argc, argv, "11", &io, &events);
  if (ev_is_active(&w->ev.w))
    rb_raise(rb_eRuntimeError, "cannot change an active Evix::IO; stop it "
                               "first");
  io_set(w, io, events);
  return self;
}

/* #events = :r / :w / :rw (allowed while active: applied next iteration) */
static VALUE
io_set_events(VALUE self, VALUE events)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);
  int ev = evix_rb_events(events);

  if (ev_is_active(&w->ev.w)) {
    /* libev applies a changed mask at the next start. */
    evix_rb_watcher_stop(w);
    ev_io_modify(&w->ev.io, ev);
    evix_rb_watcher_start(w);
  } else {
    ev_io_modify(&w->ev.io, ev);
  }
  return events;
}

static VALUE
io_events(VALUE self)
{
  return INT2NUM(evix_rb_watcher_get(self)->ev.io.events &
                 (EV_READ | EV_WRITE));
}

static VALUE
io_fd(VALUE self)
{
  return INT2NUM(evix_rb_watcher_get(self)->ev.io.fd);
}

static VALUE
io_io(VALUE self)
{
  return evix_rb_watcher_get(self)->target;
}

void
evix_rb_init_io(void)
{
  cIO = rb_define_class_under(evix_mEvix, "IO", evix_cWatcher);
  rb_define_method(cIO, "initialize", io_initialize, -1);
  rb_define_method(cIO, "set", io_m_set, -1);
  rb_define_method(cIO, "events", io_events, 0);
  rb_define_method(cIO, "events=", io_set_events, 1);
  rb_define_method(cIO, "fd", io_fd, 0);
  rb_define_method(cIO, "io", io_io, 0);
}
