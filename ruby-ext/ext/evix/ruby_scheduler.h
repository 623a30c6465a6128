/* ruby_scheduler.h - what the C files of Evix::Scheduler share.
 *
 * A fiber that waits in a scheduler hook describes its wait with an
 * evix_sched_wait_t on its own C stack (fiber stacks never move), with the
 * libev watchers inside.  The scheduler finds a fiber's current wait
 * through a table keyed by the fiber (the fibers in it are pinned by the
 * scheduler's mark function).  libev callbacks only mark a wait ready and
 * queue it; the scheduler's run loop resumes the fibers after ev_run has
 * returned, so no Ruby code runs inside the C loop's frames.
 */
#ifndef EVIX_RUBY_SCHEDULER_H
#define EVIX_RUBY_SCHEDULER_H

#include "evix_ext.h"

#include <ruby/fiber/scheduler.h>
#include <ruby/io.h>
#include <ruby/st.h>

typedef struct evix_sched evix_sched_t;
typedef struct evix_sched_wait evix_sched_wait_t;
typedef struct evix_sched_timeout evix_sched_timeout_t;
typedef struct evix_sched_fdwait evix_sched_fdwait_t;

enum evix_sched_wait_kind {
  EVIX_WAIT_IO,    /* io_wait, io_read/io_write: only events end it */
  EVIX_WAIT_SLEEP, /* kernel_sleep: a timer or unblock ends it */
  EVIX_WAIT_BLOCK, /* block: unblock or its timeout ends it */
  EVIX_WAIT_YIELD, /* sleep(0) and the yield hook: ready at once */
  EVIX_WAIT_MANY,  /* io_select: several fds */
  EVIX_WAIT_GATE   /* behind another fiber's write sequence on an fd */
};

enum evix_sched_wait_state {
  EVIX_WS_WAITING, /* suspended, nothing happened yet */
  EVIX_WS_READY,   /* woken: queued to be resumed (or resumed) */
  EVIX_WS_DONE     /* the hook has returned */
};

/* One fd of a multi-fd wait (io_select). */
struct evix_sched_fdwait {
  ev_io io;
  evix_sched_wait_t *w;
  int fd;       /* set by the caller */
  int events;   /* set by the caller: EV_READ and/or EV_WRITE */
  int revents;  /* what happened */
};

struct evix_sched_wait {
  evix_sched_t *s;
  VALUE fiber;
  evix_sched_wait_t *outer;  /* the same fiber's enclosing wait, if any */
  evix_sched_wait_t *rnext;  /* on the ready list while queued */
  evix_sched_wait_t *rprev;
  evix_sched_timeout_t *tmo; /* a timeout_after that fired into this wait */
  VALUE exc;                 /* an exception to raise when resumed */
  evix_sched_fdwait_t *fds;  /* EVIX_WAIT_MANY */
  int nfds;
  evix_sched_wait_t *snext;  /* on the list of write sequences */
  evix_sched_wait_t *sprev;
  evix_sched_wait_t *followers; /* GATE waits behind this write sequence */
  evix_sched_wait_t *gate;   /* GATE: the write sequence waited for */
  evix_sched_wait_t *fnext;  /* GATE: on gate->followers */
  evix_sched_wait_t *fprev;
  unsigned char kind;
  unsigned char state;
  unsigned char queued;
  unsigned char drives;      /* the waiting fiber runs the loop itself */
  unsigned char registered;
  unsigned char timed_out;
  unsigned char write_seq;   /* a writer waiting in the middle of a write */
  int revents;
  double timeout;            /* seconds, or < 0 for none */
  ev_io io;
  ev_timer timer;
};

/* A timeout_after frame, on the fiber's stack while its block runs. */
struct evix_sched_timeout {
  evix_sched_t *s;
  VALUE fiber;
  VALUE klass;
  VALUE message;
  evix_sched_timeout_t *next;
  evix_sched_timeout_t *prev;
  int pending;               /* fired while the fiber was not waiting */
  ev_timer timer;
};

struct evix_sched {
  VALUE self;
  VALUE loop_obj;
  evix_rb_loop_t *lp;        /* loop_obj's C side (its address is stable) */
  VALUE poll_thread;         /* the thread inside the loop, while polling */
  VALUE interrupts;          /* fiber => exception for fibers not waiting */
  VALUE drive_fiber;         /* after fork: the child's first fiber */
  st_table *waits;           /* fiber => innermost wait */
  evix_sched_wait_t *ready_head;
  evix_sched_wait_t *ready_tail;
  long nready;
  evix_sched_timeout_t *timeouts;
  long npending;
  evix_sched_wait_t *wseq;   /* writers suspended mid-write (few) */
  VALUE wrote_fiber;         /* the last io_write that moved data ... */
  int wrote_fd;              /* ... and its fd (-1: none) */
  unsigned long fork_gen;
  int polling;
  int running;
  int refd;
  int closed;
};

evix_sched_t *evix_sched_get(VALUE obj);
/* The fd of an IO, of an object with #to_io, or of an Integer. */
int evix_sched_fd_of(VALUE io);
/* Suspends the current fiber until fd has one of events (EV_READ,
 * EV_WRITE) or timeout seconds pass (timeout < 0: no limit).  Returns the
 * events seen, 0 on timeout.  May raise (timeouts, interrupts). */
int evix_sched_wait_fd(evix_sched_t *s, int fd, int events, double timeout);
/* Like evix_sched_wait_fd(fd, EV_WRITE, no timeout) for a writer in the
 * middle of a write: other fibers' writes to fd wait until it is done. */
int evix_sched_wait_write(evix_sched_t *s, int fd);
/* Waits while another fiber is in the middle of a write to fd. */
void evix_sched_write_gate(evix_sched_t *s, int fd);
/* Records that the current fiber's write to fd moved data (or not). */
void evix_sched_wrote(evix_sched_t *s, int fd, int moved);
/* Suspends the current fiber until one of fds is ready or timeout
 * passes; each fds[i].revents then tells what happened to it. */
void evix_sched_wait_fds(evix_sched_t *s, evix_sched_fdwait_t *fds, int n,
                         double timeout);
/* Seconds from a Numeric (TypeError, ArgumentError for NaN); nil is -1. */
double evix_sched_seconds(VALUE v);
void evix_sched_init_io(VALUE klass);

#endif
