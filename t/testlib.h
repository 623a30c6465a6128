/* testlib.h - helpers shared by the libev-API test programs.
 *
 * Every program in t/ that includes this header is built twice: against
 * evix (include/ev.h, libevix) and, where it is installed, against the
 * system libev (<ev.h>, -lev) with EVIX_TEST_LIBEV defined.  Both builds
 * must pass: the suite describes libev's behaviour, not only ours.
 */
#ifndef EVIX_TESTLIB_H
#define EVIX_TESTLIB_H

#include <ev.h>
#include <stddef.h>

#include "tap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which library the program runs on.  A program built against libev's
 * header (EVIX_TEST_LIBEV) may run on libev itself or on evix standing in
 * for libev.so.4 (t/binary_compat.sh); where evix deliberately differs
 * from libev, the expectation follows the library actually loaded. */
int test_on_libev(void);
const char *test_impl(void); /* "evix", "libev" or "evix as libev.so.4" */
#define TEST_IMPL test_impl()

/* ---- backends ---------------------------------------------------------- */

struct test_backend {
  unsigned int flag; /* EVBACKEND_* */
  const char *name;  /* "epoll", "poll", ... */
};

/* The backends the tests run on: every backend the library reports as
 * supported, in a fixed order, restricted by the environment variable
 * EVIX_TEST_BACKENDS (comma-separated names) when it is set.  A backend
 * that is left out prints a TAP skip line with the reason, once per
 * program.  Returns the number stored in `out`. */
int test_backends(struct test_backend *out, int max);

/* Runs `fn` once per backend from test_backends(). */
void for_each_backend(void (*fn)(const struct test_backend *b));

/* Name of one EVBACKEND_* bit, or "?". */
const char *backend_name(unsigned int flag);

/* 1 for backends that keep a kernel object open (epoll, kqueue,
 * io_uring): one descriptor per loop. */
int backend_uses_fd(unsigned int flag);

/* 1 for backends whose kernel drops a registration silently when the fd
 * is closed (epoll, kqueue): such an fd never reports anything again, while
 * poll and select see it as invalid (EV_ERROR). */
int backend_forgets_closed_fds(unsigned int flag);

/* ev_loop_new(flag | EVFLAG_NOENV); bails out when that fails. */
struct ev_loop *test_loop_new(unsigned int flag);

/* Runs ev_run(loop, EVRUN_ONCE) until *done becomes nonzero or `seconds`
 * pass; returns *done.  Keeps every test bounded in time. */
int run_until(struct ev_loop *loop, volatile int *done, double seconds);

/* Runs single iterations (EVRUN_ONCE) until *calls reaches want; a guard
 * timer ends the wait after `seconds` even when the loop would block much
 * longer.  Returns whether *calls reached want. */
int wait_calls(struct ev_loop *loop, const int *calls, int want,
               double seconds);

/* `times` iterations of ev_run(loop, EVRUN_NOWAIT). */
void run_nowait(struct ev_loop *loop, int times);

/* ev_run(loop, 0) with a guard timer that breaks the run after `seconds`
 * (with a diagnostic).  The guard holds no reference, so the result is
 * what ev_run returns without it. */
int run_guarded(struct ev_loop *loop, double seconds);

/* ---- processes --------------------------------------------------------- */

struct child_result {
  int exited;        /* exited normally */
  int status;        /* exit status if exited */
  int signaled;      /* killed by a signal */
  int signo;         /* which signal */
  int timed_out;     /* killed by us after the timeout */
  char err[8192];    /* what the child wrote to stderr (NUL-terminated) */
};

/* Forks, runs fn(arg) in the child with stderr captured (then _exit(0)),
 * and waits at most `seconds`. */
void run_in_child(void (*fn)(void *), void *arg, double seconds,
                  struct child_result *res);

/* True when the child died of SIGABRT and its stderr contains every one of
 * the NULL-terminated strings given. */
int aborted_with(const struct child_result *res, ...);

/* ---- descriptors and time ---------------------------------------------- */

void make_pipe(int fds[2]);       /* non-blocking pipe, bails on failure */
void put_byte(int fd);            /* writes one byte "x", bails on failure */
void drain(int fd);               /* reads a non-blocking fd until empty */
void make_socketpair(int fds[2]); /* non-blocking AF_UNIX stream pair */
void set_nonblock(int fd);
int count_open_fds(void);         /* entries in /proc/self/fd */
int all_fds_cloexec(int *bad_fd); /* 1 if every open fd > 2 is FD_CLOEXEC */
double mono_now(void);            /* CLOCK_MONOTONIC in seconds */

#ifdef __cplusplus
}
#endif

#endif
