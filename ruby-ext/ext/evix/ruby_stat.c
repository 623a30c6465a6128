/* ruby_stat.c - Evix::Stat: changes to a path's attributes.
 *
 *   s = Evix::Stat.new(loop, "/tmp/f", interval = 0) { |w, events| ... }
 *   s.start; s.attr.size; s.prev.mtime; s.stat; s.path; s.interval
 *
 * The block runs when lstat(path) gives a different result than before:
 * created, deleted, written, chmod'ed, renamed over...  #attr and #prev
 * are File::Stat objects (current and previous attributes); a missing
 * path has nlink 0 (#exist? is false).  The kernel's inotify reports
 * changes on Linux; otherwise (and as a backup) the path is polled every
 * `interval` seconds (0: a default of about 5 s).  #stat re-reads the
 * attributes now and returns them.  `path` is a String or Pathname
 * (TypeError otherwise, ArgumentError with a NUL byte); a negative
 * interval raises ArgumentError.
 */
#include "evix_ext.h"

#include <ruby/io.h>
#include <string.h>

static VALUE cStat;

static void
stat_start(struct ev_loop *loop, ev_watcher *w)
{
  ev_stat_start(loop, (ev_stat *)w);
}

static void
stat_stop(struct ev_loop *loop, ev_watcher *w)
{
  ev_stat_stop(loop, (ev_stat *)w);
}

static size_t
stat_memsize(const evix_rb_watcher_t *w)
{
  return w->kind_data ? strlen(w->kind_data) + 1 : 0;
}

static const struct evix_rb_kind stat_kind = { "stat", stat_start, stat_stop,
                                               NULL, stat_memsize };

static evix_rb_watcher_t *
get_stat(VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);
  if (w->kind != &stat_kind)
    rb_raise(rb_eRuntimeError, "Evix::Stat is not initialized");
  return w;
}

/* Points the watcher at path; the C string lives in kind_data (C memory:
 * libev keeps the pointer, and a Ruby string's bytes may move). */
static void
stat_set(evix_rb_watcher_t *w, VALUE path, VALUE interval)
{
  double ival = NIL_P(interval) ? 0. : evix_rb_seconds(interval, "interval", 1);
  VALUE str = rb_get_path(path); /* to_path, NUL check, fs encoding */
  long len = RSTRING_LEN(str);
  char *copy;

  if (memchr(RSTRING_PTR(str), '\0', (size_t)len))
    rb_raise(rb_eArgError, "path name contains null byte");
  copy = ALLOC_N(char, len + 1);
  memcpy(copy, RSTRING_PTR(str), (size_t)len);
  copy[len] = '\0';
  xfree(w->kind_data);
  w->kind_data = copy;
  RB_OBJ_WRITE(w->self, &w->target, rb_str_new_frozen(str));
  ev_stat_set(&w->ev.stat, copy, ival);
}

/* Evix::Stat.new(loop, path, interval = 0) { |watcher, events| } */
static VALUE
stat_initialize(int argc, VALUE *argv, VALUE self)
{
  VALUE loop, path, interval, block;
  evix_rb_watcher_t *w;

  rb_scan_args(argc, argv, "21&", &loop, &path, &interval, &block);
  /* Arguments first, so a bad one leaves nothing half made. */
  if (!NIL_P(interval))
    evix_rb_seconds(interval, "interval", 1);
  rb_get_path(path);
  w = evix_rb_watcher_setup(self, loop, &stat_kind, block);
  stat_set(w, path, interval);
  return self;
}

/* #set(path, interval = 0): only while stopped. */
static VALUE
stat_m_set(int argc, VALUE *argv, VALUE self)
{
  evix_rb_watcher_t *w = get_stat(self);
  VALUE path, interval;

  rb_scan_args(argc, argv, "11", &path, &interval);
  if (ev_is_active(&w->ev.w))
    rb_raise(rb_eRuntimeError, "cannot set an active Evix::Stat; stop it "
                               "first");
  stat_set(w, path, interval);
  return self;
}

static VALUE
stat_path(VALUE self)
{
  return get_stat(self)->target;
}

static VALUE
stat_interval(VALUE self)
{
  return DBL2NUM(get_stat(self)->ev.stat.interval);
}

/* #attr -> File::Stat of the path as last seen */
static VALUE
stat_attr(VALUE self)
{
  return rb_stat_new(&get_stat(self)->ev.stat.attr);
}

/* #prev -> File::Stat before the last change */
static VALUE
stat_prev(VALUE self)
{
  return rb_stat_new(&get_stat(self)->ev.stat.prev);
}

/* #stat -> File::Stat: looks at the path now (#attr afterwards too). */
static VALUE
stat_stat(VALUE self)
{
  evix_rb_watcher_t *w = get_stat(self);

  evix_rb_watcher_check_usable(w);
  ev_stat_stat(w->loop->loop, &w->ev.stat);
  return rb_stat_new(&w->ev.stat.attr);
}

/* #exist? -> whether the path existed when last looked at */
static VALUE
stat_exist_p(VALUE self)
{
  return get_stat(self)->ev.stat.attr.st_nlink ? Qtrue : Qfalse;
}

void
evix_rb_init_stat(void)
{
  cStat = rb_define_class_under(evix_mEvix, "Stat", evix_cWatcher);
  rb_define_method(cStat, "initialize", stat_initialize, -1);
  rb_define_method(cStat, "set", stat_m_set, -1);
  rb_define_method(cStat, "path", stat_path, 0);
  rb_define_method(cStat, "interval", stat_interval, 0);
  rb_define_method(cStat, "attr", stat_attr, 0);
  rb_define_method(cStat, "prev", stat_prev, 0);
  rb_define_method(cStat, "stat", stat_stat, 0);
  rb_define_method(cStat, "exist?", stat_exist_p, 0);
}
