/* iouring_sys.h - the two io_uring system calls and the pieces of the
 * kernel interface that the io_uring backend uses, without liburing.
 *
 * Structure layouts and flag values are the kernel's ABI; they are taken
 * from <linux/io_uring.h> where the installed header has them and defined
 * here for older headers, so that a binary built on an old system still
 * uses what a newer kernel offers (each use is probed at run time).
 */
#ifndef EVIX_IOURING_SYS_H
#define EVIX_IOURING_SYS_H

#include <linux/io_uring.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The same numbers on every architecture (the unified syscall table). */
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif

#ifndef IORING_SETUP_SUBMIT_ALL
#define IORING_SETUP_SUBMIT_ALL (1U << 7)
#endif
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif
#ifndef IORING_SETUP_TASKRUN_FLAG
#define IORING_SETUP_TASKRUN_FLAG (1U << 9)
#endif
#ifndef IORING_SQ_TASKRUN
#define IORING_SQ_TASKRUN (1U << 2)
#endif
#ifndef IORING_ASYNC_CANCEL_ALL
#define IORING_ASYNC_CANCEL_ALL (1U << 0)
#endif
#ifndef IORING_ASYNC_CANCEL_ANY
#define IORING_ASYNC_CANCEL_ANY (1U << 2)
#endif
#ifndef IORING_FEAT_EXT_ARG
#define IORING_FEAT_EXT_ARG (1U << 8)
#endif
#ifndef IORING_ENTER_EXT_ARG
#define IORING_ENTER_EXT_ARG (1U << 3)
#endif

/* struct io_uring_getevents_arg and struct __kernel_timespec, which
 * headers before 5.11 lack. */
struct evix_uring_getevents_arg {
  uint64_t sigmask;
  uint32_t sigmask_sz;
  uint32_t pad;
  uint64_t ts;
};

struct evix_uring_timespec {
  int64_t tv_sec;
  long long tv_nsec;
};

static inline int
evix_uring_setup(unsigned int entries, struct io_uring_params *p)
{
  return (int)syscall(__NR_io_uring_setup, entries, p);
}

static inline int
evix_uring_enter(int fd, unsigned int to_submit, unsigned int min_complete,
                 unsigned int flags, const void *arg, size_t argsz)
{
  return (int)syscall(__NR_io_uring_enter, fd, to_submit, min_complete,
                      flags, arg, argsz);
}

/* Knobs for the test suite, which links the library statically to reach
 * them (they are not exported from the shared library).  All zero - the
 * only state a real program ever sees - means: use the kernel as it is.
 * They make the paths for older kernels and rare kernel states (no ring,
 * tiny rings, lost completions) reachable on a current kernel. */
struct evix_iouring_tuning {
  int setup_errno;            /* nonzero: io_uring_setup fails with it */
  unsigned int hide_features; /* IORING_FEAT_* bits to treat as absent */
  unsigned int sq_entries;    /* ring sizes; 0 for the defaults */
  unsigned int cq_entries;
  unsigned int losses;        /* out: rings rebuilt for lost completions */
};

extern struct evix_iouring_tuning evix__iouring_tuning;

#endif
