/* ruby_signal.c - Evix::Signal: a signal, as an event of the loop.
 *
 *   s = Evix::Signal.new(loop, :INT) { |w, events| ... } # events: Evix::SIGNAL
 *   s.start; s.stop; s.signum #=> 2; s.signame #=> "INT"
 *
 * The signal is named by a Symbol or String ("INT", "SIGINT") or its
 * number; unknown ones raise ArgumentError, other objects TypeError.
 * Ruby owns the process's signal handlers, so this is built on
 * Signal.trap, never on sigaction: the first active watcher of a signal
 * installs a trap handler (remembering the previous one), which wakes
 * every active watcher of that signal, in any loop, through an ev_async;
 * the blocks then run inside their loops.  Stopping the last watcher of a
 * signal puts the previous handler back.  Signals Ruby refuses to trap
 * (SEGV, KILL, ...) raise from #start.  Several deliveries before a loop
 * notices run the block once.
 *
 * An active watcher is referenced from the process-wide table the trap
 * handler uses, like the handler itself, so it (and its loop) stays alive
 * until it is stopped or its loop is closed.
 */
#include "evix_ext.h"

#include <signal.h>
#include <string.h>

#ifndef NSIG
#define NSIG 65
#endif

static VALUE cSignal, mSignal;
static ID id_trap, id_list, id_signame;

struct signal_data {
  int signo;
  int registered;             /* on the signal's list */
  evix_rb_watcher_t *prev;    /* that list, through the watchers */
  evix_rb_watcher_t *next;
};

/* Per signal: the active watchers and whether our handler is in place. */
static struct {
  evix_rb_watcher_t *head;
  int installed;
} slots[NSIG];

/* Hidden Arrays (rooted for good): the registered watchers, our trap
 * procs by signal number and the handlers they replaced. */
static VALUE sig_pins, sig_handlers, sig_previous;

/* ---- the trap handler ------------------------------------------------------ */

/* Runs in Ruby's main thread, as a trap handler, with the GVL. */
static VALUE
trap_handler(RB_BLOCK_CALL_FUNC_ARGLIST(yielded, data))
{
  int signo = FIX2INT(data);
  evix_rb_watcher_t *w;

  (void)yielded;
  for (w = slots[signo].head; w;
       w = ((struct signal_data *)w->kind_data)->next)
    if (w->loop && w->loop->loop)
      ev_async_send(w->loop->loop, &w->ev.async);
  return Qnil;
}

static void
install_trap(int signo)
{
  VALUE handler = rb_ary_entry(sig_handlers, signo);
  VALUE previous;

  if (NIL_P(handler)) {
    handler = rb_proc_new(trap_handler, INT2FIX(signo));
    rb_ary_store(sig_handlers, signo, handler);
  }
  /* Raises for signals Ruby reserves: nothing has changed then. */
  previous = rb_funcall(mSignal, id_trap, 2, INT2FIX(signo), handler);
  rb_ary_store(sig_previous, signo, previous);
  slots[signo].installed = 1;
}

static void
restore_trap(int signo)
{
  VALUE ours = rb_ary_entry(sig_handlers, signo);
  VALUE previous = rb_ary_entry(sig_previous, signo);
  VALUE current;

  slots[signo].installed = 0;
  rb_ary_store(sig_previous, signo, Qnil);
  current = rb_funcall(mSignal, id_trap, 2, INT2FIX(signo), previous);
  if (current != ours)
    /* Someone trapped the signal after us: theirs stays. */
    rb_funcall(mSignal, id_trap, 2, INT2FIX(signo), current);
}

/* ---- the kind ------------------------------------------------------------------ */

static void
signal_start(struct ev_loop *loop, ev_watcher *ew)
{
  evix_rb_watcher_t *w = ew->data;
  struct signal_data *sd = w->kind_data;
  int signo = sd->signo;

  if (!slots[signo].installed)
    install_trap(signo);
  ev_async_start(loop, (ev_async *)ew);
  if (!sd->registered) {
    sd->registered = 1;
    sd->prev = NULL;
    sd->next = slots[signo].head;
    if (sd->next)
      ((struct signal_data *)sd->next->kind_data)->prev = w;
    slots[signo].head = w;
    rb_ary_push(sig_pins, w->self);
  }
}

static void
unpin(VALUE self)
{
  long i, n = RARRAY_LEN(sig_pins);

  for (i = 0; i < n; ++i)
    if (RARRAY_AREF(sig_pins, i) == self) {
      rb_ary_delete_at(sig_pins, i);
      return;
    }
}

static void
signal_stop(struct ev_loop *loop, ev_watcher *ew)
{
  evix_rb_watcher_t *w = ew->data;
  struct signal_data *sd = w->kind_data;
  int signo = sd->signo;

  ev_async_stop(loop, (ev_async *)ew);
  if (!sd->registered)
    return;
  sd->registered = 0;
  if (sd->prev)
    ((struct signal_data *)sd->prev->kind_data)->next = sd->next;
  else
    slots[signo].head = sd->next;
  if (sd->next)
    ((struct signal_data *)sd->next->kind_data)->prev = sd->prev;
  sd->prev = sd->next = NULL;
  /* In a free function (only at exit: registered watchers are rooted)
   * the handler stays; with no watchers left it does nothing. */
  if (evix_rb_freeing)
    return;
  unpin(w->self);
  if (!slots[signo].head && slots[signo].installed)
    restore_trap(signo);
}

static VALUE
signal_event_arg(evix_rb_watcher_t *w, int revents)
{
  (void)w;
  (void)revents;
  return INT2FIX(EV_SIGNAL);
}

static size_t
signal_memsize(const evix_rb_watcher_t *w)
{
  (void)w;
  return sizeof(struct signal_data);
}

static const struct evix_rb_kind signal_kind = {
  "signal", signal_start, signal_stop, signal_event_arg, signal_memsize
};

/* ---- names -------------------------------------------------------------------- */

/* The number of a signal given as :INT, "SIGINT", "INT" or 2. */
static int
signo_of(VALUE sig)
{
  VALUE list = rb_funcall(mSignal, id_list, 0);
  VALUE name, num;

  if (RB_INTEGER_TYPE_P(sig)) {
    int n = NUM2INT(sig);
    if (n <= 0 || n >= NSIG || !RTEST(rb_funcall(list, rb_intern("value?"),
                                                 1, INT2FIX(n))))
      rb_raise(rb_eArgError, "invalid signal number (%d)", n);
    return n;
  }
  if (SYMBOL_P(sig))
    name = rb_sym2str(sig);
  else if (RB_TYPE_P(sig, T_STRING))
    name = sig;
  else
    rb_raise(rb_eTypeError, "signal must be a Symbol, String or Integer, "
                            "not %" PRIsVALUE, rb_obj_class(sig));
  if (RSTRING_LEN(name) > 3 && !strncmp(RSTRING_PTR(name), "SIG", 3))
    name = rb_str_substr(name, 3, RSTRING_LEN(name) - 3);
  num = rb_hash_lookup(list, name);
  if (NIL_P(num) || FIX2INT(num) <= 0 || FIX2INT(num) >= NSIG)
    rb_raise(rb_eArgError, "unsupported signal '%" PRIsVALUE "'", sig);
  return FIX2INT(num);
}

/* ---- methods -------------------------------------------------------------- */

static evix_rb_watcher_t *
get_signal(VALUE self)
{
  evix_rb_watcher_t *w = evix_rb_watcher_get(self);
  if (w->kind != &signal_kind)
    rb_raise(rb_eRuntimeError, "Evix::Signal is not initialized");
  return w;
}

/* Evix::Signal.new(loop, signal) { |watcher, events| } */
static VALUE
signal_initialize(int argc, VALUE *argv, VALUE self)
{
  VALUE loop, sig, block;
  evix_rb_watcher_t *w;
  struct signal_data *sd;
  int signo;

  rb_scan_args(argc, argv, "2&", &loop, &sig, &block);
  signo = signo_of(sig);
  w = evix_rb_watcher_setup(self, loop, &signal_kind, block);
  ev_async_set(&w->ev.async);
  sd = ZALLOC(struct signal_data);
  sd->signo = signo;
  w->kind_data = sd;
  return self;
}

static VALUE
signal_signum(VALUE self)
{
  return INT2FIX(((struct signal_data *)get_signal(self)->kind_data)->signo);
}

static VALUE
signal_signame(VALUE self)
{
  return rb_funcall(mSignal, id_signame, 1, signal_signum(self));
}

void
evix_rb_init_signal(void)
{
  id_trap = rb_intern("trap");
  id_list = rb_intern("list");
  id_signame = rb_intern("signame");
  mSignal = rb_const_get(rb_cObject, rb_intern("Signal"));
  rb_gc_register_mark_object(mSignal); /* kept in a C variable: pinned */

  sig_pins = rb_obj_hide(rb_ary_new());
  rb_gc_register_mark_object(sig_pins);
  sig_handlers = rb_obj_hide(rb_ary_new());
  rb_gc_register_mark_object(sig_handlers);
  sig_previous = rb_obj_hide(rb_ary_new());
  rb_gc_register_mark_object(sig_previous);

  cSignal = rb_define_class_under(evix_mEvix, "Signal", evix_cWatcher);
  rb_define_method(cSignal, "initialize", signal_initialize, -1);
  rb_define_method(cSignal, "signum", signal_signum, 0);
  rb_define_method(cSignal, "signame", signal_signame, 0);
}
