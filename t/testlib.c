/* testlib.c - see testlib.h. */
#define _GNU_SOURCE
#include "testlib.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const struct test_backend all_backends[] = {
  { EVBACKEND_EPOLL, "epoll" },
  { EVBACKEND_POLL, "poll" },
  { EVBACKEND_SELECT, "select" },
  { EVBACKEND_KQUEUE, "kqueue" },
  { EVBACKEND_IOURING, "io_uring" },
};
#define N_BACKENDS (int)(sizeof all_backends / sizeof all_backends[0])

int
test_on_libev(void)
{
#ifdef EVIX_TEST_LIBEV
  static int on_libev = -1;
  /* evix exports evix_version; libev has nothing of that name. */
  if (on_libev < 0)
    on_libev = dlsym(RTLD_DEFAULT, "evix_version") == NULL;
  return on_libev;
#else
  return 0; /* built against evix (maybe statically: no dlsym then) */
#endif
}

const char *
test_impl(void)
{
#ifdef EVIX_TEST_LIBEV
  return test_on_libev() ? "libev" : "evix as libev.so.4";
#else
  return "evix";
#endif
}

const char *
backend_name(unsigned int flag)
{
  int i;
  for (i = 0; i < N_BACKENDS; ++i)
    if (all_backends[i].flag == flag)
      return all_backends[i].name;
  return "?";
}

int
backend_uses_fd(unsigned int flag)
{
  return flag == EVBACKEND_EPOLL || flag == EVBACKEND_KQUEUE ||
         flag == EVBACKEND_IOURING;
}

int
backend_forgets_closed_fds(unsigned int flag)
{
  /* io_uring does not forget, but its poll request holds the file open,
   * so the close is just as invisible. */
  return flag == EVBACKEND_EPOLL || flag == EVBACKEND_KQUEUE ||
         flag == EVBACKEND_IOURING;
}

static int
wanted_by_env(const char *name)
{
  const char *list = getenv("EVIX_TEST_BACKENDS");
  size_t len = strlen(name);
  const char *p;

  if (!list || !*list)
    return 1;
  for (p = list; (p = strstr(p, name)); p += len)
    if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == 0))
      return 1;
  return 0;
}

int
test_backends(struct test_backend *out, int max)
{
  static int reported;
  unsigned int supported = ev_supported_backends();
  int i, n = 0;

  for (i = 0; i < N_BACKENDS; ++i) {
    const struct test_backend *b = &all_backends[i];
    const char *why = NULL;

    if (!(supported & b->flag))
      why = "not supported on this system";
    else if (b->flag == EVBACKEND_IOURING && test_on_libev())
      why = "libev 4.33 ships io_uring as experimental";
    else if (!wanted_by_env(b->name))
      why = "not in EVIX_TEST_BACKENDS";
    else if (n < max)
      out[n++] = *b;

    if (why && !reported)
      skip(why, "backend %s [%s]", b->name, TEST_IMPL);
  }
  reported = 1;
  return n;
}

void
for_each_backend(void (*fn)(const struct test_backend *b))
{
  struct test_backend list[N_BACKENDS];
  int i, n = test_backends(list, N_BACKENDS);
  for (i = 0; i < n; ++i)
    fn(&list[i]);
}

struct ev_loop *
test_loop_new(unsigned int flag)
{
  struct ev_loop *loop = ev_loop_new(flag | EVFLAG_NOENV);
  if (!loop)
    bail("ev_loop_new(%s) failed", backend_name(flag));
  return loop;
}

double
mono_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int
run_until(struct ev_loop *loop, volatile int *done, double seconds)
{
  double end = mono_now() + seconds;
  while (!*done && mono_now() < end)
    ev_run(loop, EVRUN_ONCE);
  return *done;
}

static void
guard_expired(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)revents;
  *(int *)w->data = 1;
}

int
wait_calls(struct ev_loop *loop, const int *calls, int want, double seconds)
{
  ev_timer guard;
  int expired = 0;

  ev_timer_init(&guard, guard_expired, seconds, 0.);
  guard.data = &expired;
  ev_timer_start(loop, &guard);
  while (*calls < want && !expired)
    ev_run(loop, EVRUN_ONCE);
  ev_timer_stop(loop, &guard);
  return *calls >= want;
}

void
run_nowait(struct ev_loop *loop, int times)
{
  while (times-- > 0)
    ev_run(loop, EVRUN_NOWAIT);
}

static void
guard_break(struct ev_loop *loop, ev_timer *w, int revents)
{
  guard_expired(loop, w, revents);
  ev_break(loop, EVBREAK_ONE);
}

int
run_guarded(struct ev_loop *loop, double seconds)
{
  ev_timer guard;
  int expired = 0, r;

  ev_timer_init(&guard, guard_break, seconds, 0.);
  guard.data = &expired;
  ev_timer_start(loop, &guard);
  ev_unref(loop);
  r = ev_run(loop, 0);
  ev_ref(loop);
  ev_timer_stop(loop, &guard);
  if (expired)
    diag("ev_run(0) was cut short by the %gs guard", seconds);
  return r;
}

void
run_in_child(void (*fn)(void *), void *arg, double seconds,
             struct child_result *res)
{
  int errpipe[2];
  size_t used = 0;
  double end;
  pid_t pid;
  int status = 0;

  memset(res, 0, sizeof *res);
  if (pipe(errpipe) < 0)
    bail("pipe: %s", strerror(errno));
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0)
    bail("fork: %s", strerror(errno));
  if (pid == 0) {
    close(errpipe[0]);
    dup2(errpipe[1], STDERR_FILENO);
    close(errpipe[1]);
    /* Keep the child's stdout out of the TAP stream. */
    if (!freopen("/dev/null", "w", stdout))
      _exit(99);
    alarm(0);
    fn(arg);
    fflush(NULL);
    _exit(0);
  }
  close(errpipe[1]);
  set_nonblock(errpipe[0]);
  end = mono_now() + seconds;
  for (;;) {
    struct pollfd p = { errpipe[0], POLLIN, 0 };
    double left = end - mono_now();
    ssize_t r;

    if (left <= 0) {
      kill(pid, SIGKILL);
      res->timed_out = 1;
      break;
    }
    if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
      continue;
    r = read(errpipe[0], res->err + used, sizeof res->err - 1 - used);
    if (r > 0)
      used += (size_t)r;
    else if (r == 0 || (errno != EAGAIN && errno != EINTR))
      break;
    if (used == sizeof res->err - 1)
      break;
  }
  res->err[used] = 0;
  close(errpipe[0]);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED(status)) {
    res->exited = 1;
    res->status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    res->signaled = 1;
    res->signo = WTERMSIG(status);
  }
}

int
aborted_with(const struct child_result *res, ...)
{
  va_list ap;
  const char *s;
  int good = res->signaled && res->signo == SIGABRT;

  va_start(ap, res);
  while ((s = va_arg(ap, const char *)))
    if (!strstr(res->err, s))
      good = 0;
  va_end(ap);
  if (!good)
    diag("child: exited=%d status=%d signaled=%d signo=%d timed_out=%d "
         "stderr=\"%s\"",
         res->exited, res->status, res->signaled, res->signo, res->timed_out,
         res->err);
  return good;
}

void
set_nonblock(int fd)
{
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    bail("fcntl(%d): %s", fd, strerror(errno));
}

void
put_byte(int fd)
{
  if (write(fd, "x", 1) != 1)
    bail("write(%d): %s", fd, strerror(errno));
}

void
drain(int fd)
{
  char buf[4096];
  while (read(fd, buf, sizeof buf) > 0)
    ;
}

void
make_pipe(int fds[2])
{
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
    bail("pipe2: %s", strerror(errno));
}

void
make_socketpair(int fds[2])
{
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds)
      < 0)
    bail("socketpair: %s", strerror(errno));
}

static int
for_each_fd(int (*fn)(int fd, void *ctx), void *ctx)
{
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int self, r = 0;

  if (!d)
    bail("opendir(/proc/self/fd): %s", strerror(errno));
  self = dirfd(d);
  while ((e = readdir(d)))
    if (e->d_name[0] != '.' && atoi(e->d_name) != self)
      if ((r = fn(atoi(e->d_name), ctx)))
        break;
  closedir(d);
  return r;
}

static int
count_one(int fd, void *ctx)
{
  (void)fd;
  ++*(int *)ctx;
  return 0;
}

int
count_open_fds(void)
{
  int n = 0;
  for_each_fd(count_one, &n);
  return n;
}

static int
check_cloexec(int fd, void *ctx)
{
  if (fd > 2 && !(fcntl(fd, F_GETFD) & FD_CLOEXEC)) {
    *(int *)ctx = fd;
    return 1;
  }
  return 0;
}

int
all_fds_cloexec(int *bad_fd)
{
  int bad = -1;
  int r = for_each_fd(check_cloexec, &bad);
  if (bad_fd)
    *bad_fd = bad;
  return !r;
}
