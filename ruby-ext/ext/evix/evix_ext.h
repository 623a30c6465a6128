/* evix_ext.h - what the files of the Ruby extension share.
 *
 * Object model: an Evix::Loop owns a `struct ev_loop`; every watcher
 * object owns its libev watcher struct (in C memory that never moves, so
 * the loop may point into it).  While a watcher is active it is on its
 * loop's list of active watchers, and the loop marks that list: an active
 * watcher keeps firing even when the program drops every reference to it.
 * A watcher marks its loop.  Either may be freed first when both become
 * garbage together: the loop's free function detaches its watchers, a
 * watcher's free function stops itself only while it still has a loop.
 *
 * Ruby code never runs inside libev's frames in a way that could unwind
 * them: callbacks go through rb_protect, an exception is stored, the loop
 * is told to break, and Loop#run re-raises it once ev_run has returned.
 * Events that would have been dispatched after the exception are kept and
 * fed again when the loop runs next (unless the watcher is stopped first).
 *
 * Free functions (dfree) must not call Ruby.  A kind's stop function is
 * also called from them (through evix_rb_watcher_detach), so it checks
 * evix_rb_freeing before doing anything that calls Ruby.
 */
#ifndef EVIX_EXT_H
#define EVIX_EXT_H

#include <ruby.h>
#include <ruby/thread.h>

#include "evix_ext_config.h"

#include <ev.h>
#include <evix.h>
#include <sys/types.h>

extern VALUE evix_mEvix;
extern VALUE evix_cLoop;
extern VALUE evix_cWatcher;
extern VALUE evix_eError;

typedef struct evix_rb_loop evix_rb_loop_t;
typedef struct evix_rb_watcher evix_rb_watcher_t;

struct evix_rb_deferred {
  ev_watcher *w;
  int revents;
};

struct evix_rb_loop {
  struct ev_loop *loop;      /* NULL once closed */
  VALUE self;
  VALUE thread;              /* thread running Loop#run, or Qnil */
  evix_rb_watcher_t *active; /* active watchers, marked by the loop */
  evix_rb_watcher_t *all;    /* every watcher made for the loop (unmarked):
                              * they are told when the loop goes away */
  int exc_tag;               /* rb_protect state of a callback's exception */
  int running;               /* inside Loop#run */
  int interrupted;           /* leave ev_run: Ruby has interrupts to run */
  int broken;                /* Loop#break was called */
  int closing;               /* Loop#close is stopping the watchers: kinds
                              * may call Ruby then, so other threads run */
  int locked;                /* inside code libev calls where the loop must
                              * not change (a periodic's reschedule) */
  pid_t pid;                 /* process the loop was made in */
  unsigned int fork_gen;     /* fork generation it last ran in */
  struct evix_rb_deferred *deferred; /* held back while an exception ran */
  int ndeferred;
  int maxdeferred;
  evix_rb_watcher_t *stop_later; /* watchers to stop after the callbacks */
};

/* How one kind of watcher starts and stops its libev watcher.  start may
 * raise only before it has started the libev watcher; stop must work on a
 * stopped watcher and may call Ruby only when evix_rb_freeing is 0. */
struct evix_rb_kind {
  const char *name;
  void (*start)(struct ev_loop *loop, ev_watcher *w);
  void (*stop)(struct ev_loop *loop, ev_watcher *w);
  /* Optional.  Called with the GVL under rb_protect for every event, even
   * when the callback is nil: returns the block's second argument (by
   * default the Integer revents), or Qundef to skip the block.  May call
   * Ruby, stop the watcher and raise. */
  VALUE (*event_arg)(evix_rb_watcher_t *w, int revents);
  /* Optional: bytes of C memory behind kind_data, for ObjectSpace. */
  size_t (*memsize)(const evix_rb_watcher_t *w);
};

struct evix_rb_watcher {
  evix_rb_loop_t *loop;       /* NULL once the loop is gone */
  VALUE self;
  VALUE loop_obj;
  VALUE callback;             /* a Proc, or Qnil */
  VALUE target;               /* e.g. the IO object watched, or Qnil */
  VALUE extra;                /* kind-specific Ruby data, or Qnil */
  evix_rb_watcher_t *prev;    /* on loop->active while linked */
  evix_rb_watcher_t *next;
  int linked;
  evix_rb_watcher_t *all_prev; /* on loop->all while w->loop is set */
  evix_rb_watcher_t *all_next;
  evix_rb_watcher_t *stop_next; /* on loop->stop_later while stop_queued */
  int stop_queued;
  const struct evix_rb_kind *kind;
  void *kind_data;            /* kind-specific C data (xfree'd), or NULL */
  union ev_any_watcher ev;    /* the libev watcher; ev.w.data == this */
};

/* ---- ruby_loop.c ---------------------------------------------------------- */

/* The C side of an Evix::Loop; raises TypeError for other objects and
 * Evix::Error (IOError) for a closed loop. */
evix_rb_loop_t *evix_rb_loop_get(VALUE obj);
evix_rb_loop_t *evix_rb_loop_get_open(VALUE obj);
/* Runs ev_run(flags) with Ruby's rules (GVL, interrupts, exceptions);
 * returns ev_run's result.  May raise. */
int evix_rb_loop_run(evix_rb_loop_t *lp, int flags);
/* Holds an event back (a callback raised while events were pending). */
void evix_rb_loop_defer(evix_rb_loop_t *lp, ev_watcher *w, int revents);
/* Forgets the events held back for w; returns them (0 if none). */
int evix_rb_loop_undefer(evix_rb_loop_t *lp, ev_watcher *w);
int evix_rb_loop_is_deferred(evix_rb_loop_t *lp, ev_watcher *w);
/* Raises RuntimeError while lp->locked: no starting, stopping, running
 * or closing from a periodic's reschedule block. */
void evix_rb_loop_check_unlocked(evix_rb_loop_t *lp);
/* Stops w once the current iteration's callbacks have run: for code that
 * libev calls where stopping is not allowed (a periodic's reschedule).
 * w's kind must stop without calling Ruby. */
void evix_rb_loop_stop_later(evix_rb_loop_t *lp, evix_rb_watcher_t *w);
VALUE evix_rb_backend_symbol(unsigned int backend);
void evix_rb_init_loop(void);

/* ---- ruby_watcher.c --------------------------------------------------------- */

extern const rb_data_type_t evix_rb_watcher_type;
evix_rb_watcher_t *evix_rb_watcher_get(VALUE obj);
/* Common initialize: checks and stores the loop and the block; sets the
 * libev callback to the dispatching trampoline. */
evix_rb_watcher_t *evix_rb_watcher_setup(VALUE self, VALUE loop,
                                         const struct evix_rb_kind *kind,
                                         VALUE block);
/* Starts/stops through the kind, keeping the active list in step. */
void evix_rb_watcher_start(evix_rb_watcher_t *w);
void evix_rb_watcher_stop(evix_rb_watcher_t *w);
/* Drops w from its loop's active list if libev stopped it by itself. */
void evix_rb_watcher_sync(evix_rb_watcher_t *w);
/* Called by the loop when it is closed or freed: stops w and forgets the
 * loop. */
void evix_rb_watcher_detach(evix_rb_watcher_t *w);
/* The trampoline every Ruby-backed libev watcher calls. */
void evix_rb_watcher_dispatch(struct ev_loop *loop, ev_watcher *ew,
                              int revents);
/* Raises IOError unless w's loop is open (RuntimeError while it is
 * locked). */
void evix_rb_watcher_check_usable(evix_rb_watcher_t *w);
/* Converts :r/:w/:rw/Integer to EV_READ|EV_WRITE (ArgumentError else). */
int evix_rb_events(VALUE events);
/* A Numeric as seconds: TypeError for other objects, ArgumentError for
 * NaN (and, with nonneg, for negative values).  `what` names it. */
double evix_rb_seconds(VALUE v, const char *what, int nonneg);
/* Nonzero while a free function runs: Ruby must not be called. */
extern int evix_rb_freeing;
void evix_rb_init_watcher(void);

/* ---- watcher classes ---------------------------------------------------- */

void evix_rb_init_io(void);
void evix_rb_init_timer(void);
void evix_rb_init_watchers(void); /* the other classes, calling: */
void evix_rb_init_periodic(void);
void evix_rb_init_signal(void);
void evix_rb_init_child(void);
void evix_rb_init_stat(void);
void evix_rb_init_async(void);
void evix_rb_init_scheduler(void);

#endif
