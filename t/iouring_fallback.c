/* iouring_fallback.c - loops where the kernel refuses io_uring.
 *
 * A seccomp filter makes io_uring_setup fail the way it fails on an old
 * kernel (ENOSYS), with /proc/sys/kernel/io_uring_disabled set or under a
 * container's policy (EPERM); another lets the set-up through and refuses
 * io_uring_enter.  Each case runs in a child, because a filter cannot be
 * removed again.  Expected: io_uring drops out of ev_supported_backends()
 * (evix asks the kernel; libev only looks at the kernel version), a loop
 * that allows io_uring and epoll gets a working epoll, io_uring alone -
 * by flags or by LIBEV_FLAGS=128 - gives no loop at all.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#define HAVE_FILTER 1
#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#else
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#endif

#ifdef HAVE_FILTER
/* Makes system call `nr` fail with `err` in this process from now on. */
static int
refuse_syscall(long nr, int err)
{
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)nr, 0, 1),
    BPF_STMT(BPF_RET | BPF_K,
             SECCOMP_RET_ERRNO | ((unsigned int)err & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog;

  prog.len = (unsigned short)(sizeof f / sizeof f[0]);
  prog.filter = f;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}
#endif

struct refusal {
  const char *what;
  long nr;
  int err;
};

static int timer_calls, io_calls;

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
  ++timer_calls;
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  char c;

  (void)loop;
  (void)revents;
  if (read(w->fd, &c, 1) == 1)
    ++io_calls;
}

/* Whether a loop runs a timer and reports a readable pipe. */
static int
loop_works(struct ev_loop *loop)
{
  ev_timer t;
  ev_io w;
  int p[2];

  make_pipe(p);
  timer_calls = io_calls = 0;
  ev_timer_init(&t, timer_cb, 0.01, 0.);
  ev_io_init(&w, io_cb, p[0], EV_READ);
  ev_timer_start(loop, &t);
  ev_io_start(loop, &w);
  if (write(p[1], "x", 1) != 1)
    return 0;
  wait_calls(loop, &timer_calls, 1, 2.);
  wait_calls(loop, &io_calls, 1, 2.);
  ev_io_stop(loop, &w);
  ev_timer_stop(loop, &t);
  close(p[0]);
  close(p[1]);
  return timer_calls == 1 && io_calls == 1;
}

/* Child: installs the filter and reports on stderr what the library
 * does, as one line. */
static void
refused_child(void *arg)
{
#ifdef HAVE_FILTER
  const struct refusal *r = arg;
  struct ev_loop *loop;
  unsigned int sup, both, alone, env;
  int works = 0;

  if (refuse_syscall(r->nr, r->err) < 0) {
    fprintf(stderr, "seccomp: %s\n", strerror(errno));
    _exit(2);
  }
  sup = ev_supported_backends();
  loop = ev_loop_new(EVBACKEND_IOURING | EVBACKEND_EPOLL | EVFLAG_NOENV);
  both = loop ? ev_backend(loop) : 0;
  if (loop) {
    works = loop_works(loop);
    ev_loop_destroy(loop);
  }
  loop = ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
  alone = loop ? ev_backend(loop) : 0;
  if (loop)
    ev_loop_destroy(loop);
  setenv("LIBEV_FLAGS", "128", 1);
  loop = ev_loop_new(EVBACKEND_EPOLL);
  env = loop ? ev_backend(loop) : 0;
  if (loop)
    ev_loop_destroy(loop);
  fprintf(stderr, "result: sup=%#x both=%#x works=%d alone=%#x env=%#x\n",
          sup, both, works, alone, env);
#else
  (void)arg;
#endif
}

struct outcome {
  unsigned int sup, both, alone, env;
  int works;
};

static int
parse(const struct child_result *res, struct outcome *o)
{
  const char *s = strstr(res->err, "result: ");

  if (!res->exited || res->status != 0 || !s) {
    diag("child: exited=%d status=%d signaled=%d signo=%d stderr=\"%s\"",
         res->exited, res->status, res->signaled, res->signo, res->err);
    return 0;
  }
  return sscanf(s, "result: sup=%x both=%x works=%d alone=%x env=%x",
                &o->sup, &o->both, &o->works, &o->alone, &o->env) == 5;
}

int
main(void)
{
#ifdef HAVE_FILTER
  static const struct refusal refusals[] = {
    { "io_uring_setup fails with ENOSYS (old kernel)", __NR_io_uring_setup,
      ENOSYS },
    { "io_uring_setup fails with EPERM (io_uring_disabled, sandbox)",
      __NR_io_uring_setup, EPERM },
    { "io_uring_enter fails with EPERM (a filter that allows the set-up)",
      __NR_io_uring_enter, EPERM },
  };
  unsigned int sup = ev_supported_backends();
  size_t i;

  tap_start(60);
  unsetenv("LIBEV_FLAGS");
  if (!(sup & EVBACKEND_EPOLL))
    skip_all("no epoll backend to fall back to");
  diag("supported without a filter: %#x [%s]", sup, TEST_IMPL);

  for (i = 0; i < sizeof refusals / sizeof refusals[0]; ++i) {
    const struct refusal *r = &refusals[i];
    struct child_result res;
    struct outcome o;

    if (r->nr == __NR_io_uring_enter && test_on_libev()) {
      skip("libev does not try the ring before choosing it",
           "%s: falls back to epoll [%s]", r->what, TEST_IMPL);
      continue;
    }
    run_in_child(refused_child, (void *)r, 20., &res);
    if (!ok(parse(&res, &o), "%s: the child reports [%s]", r->what,
            TEST_IMPL))
      continue;
    /* libev decides by the kernel version alone. */
    is_hex(o.sup, test_on_libev() ? sup : sup & ~(unsigned)EVBACKEND_IOURING,
           "%s: ev_supported_backends() %s [%s]", r->what,
           test_on_libev() ? "still claims io_uring" : "drops io_uring",
           TEST_IMPL);
    is_hex(o.both, EVBACKEND_EPOLL, "%s: IOURING|EPOLL gives epoll [%s]",
           r->what, TEST_IMPL);
    ok(o.works, "%s: that epoll loop runs a timer and io [%s]", r->what,
       TEST_IMPL);
    is_hex(o.alone, 0, "%s: IOURING alone gives no loop [%s]", r->what,
           TEST_IMPL);
    is_hex(o.env, 0, "%s: nor does LIBEV_FLAGS=128 [%s]", r->what,
           TEST_IMPL);
  }

  /* Without a filter, the same flags do get io_uring where the kernel
   * allows it: the filter is what made the difference above. */
  if (sup & EVBACKEND_IOURING) {
    struct ev_loop *loop =
        ev_loop_new(EVBACKEND_IOURING | EVBACKEND_EPOLL | EVFLAG_NOENV);
    is_hex(loop ? ev_backend(loop) : 0, EVBACKEND_IOURING,
           "unfiltered, IOURING|EPOLL gives io_uring [%s]", TEST_IMPL);
    if (loop) {
      ok(loop_works(loop), "and it works [%s]", TEST_IMPL);
      ev_loop_destroy(loop);
    }
  } else {
    skip("this kernel refuses io_uring", "unfiltered, IOURING|EPOLL gives "
         "io_uring [%s]", TEST_IMPL);
  }
#else
  tap_start(60);
  skip_all("seccomp filters are only written for Linux on x86_64 and "
           "aarch64 here");
#endif
  return 0;
}
