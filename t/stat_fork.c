/* stat_fork.c - ev_stat across fork(): after ev_loop_fork (or with
 * EVFLAG_FORKCHECK) the child must get inotify notifications of its own.
 *
 * Parent and child both watch the same file with inotify (no polling on a
 * local filesystem) and both wait for one append.  Had the child kept the
 * inherited inotify descriptor, the two processes would read from one
 * shared queue and only one of them would see the change.  The parent's
 * watcher must also keep working once the child has exited and closed its
 * copies.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#define EVENT_TIMEOUT 3.0

static char tmpdir[64];

struct probe {
  ev_stat w; /* first: the callback casts back */
  int calls;
};

static void
probe_cb(struct ev_loop *loop, ev_stat *w, int revents)
{
  (void)loop;
  (void)revents;
  ++((struct probe *)w)->calls;
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
}

/* Runs the loop until the watcher reported attr.st_size == size, at most
 * `seconds`; a short repeating timer bounds every single wait. */
static int
wait_size(struct ev_loop *loop, const struct probe *p, long long size,
          double seconds)
{
  ev_timer tick;
  double end = mono_now() + seconds;
  int done;

  ev_timer_init(&tick, tick_cb, 0.05, 0.05);
  ev_timer_start(loop, &tick);
  while (!(done = p->calls && (long long)p->w.attr.st_size == size) &&
         mono_now() < end)
    ev_run(loop, EVRUN_ONCE);
  ev_timer_stop(loop, &tick);
  return done;
}

static int
append_byte(const char *path)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  int good = fd >= 0 && write(fd, "x", 1) == 1;
  if (fd >= 0)
    close(fd);
  return good;
}

/* Waits up to `seconds` for the child; kills it if it hangs.  Returns its
 * exit status, or -1. */
static int
reap(pid_t pid, double seconds)
{
  double end = mono_now() + seconds;
  int status;

  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0 && errno != EINTR)
      return -1;
    if (mono_now() > end) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    usleep(10000);
  }
}

/* The child: bit 0 of the exit status says it missed the change, bit 1
 * that its watcher lost its inotify watch. */
static void
child_side(struct ev_loop *loop, struct probe *p, int use_forkcheck,
           int ready_fd)
{
  int status = 0;

  if (!use_forkcheck)
    ev_loop_fork(loop);
  /* One iteration re-creates the kernel state, then the parent may go. */
  ev_run(loop, EVRUN_NOWAIT);
  if (p->w.wd < 0)
    status |= 2;
  if (write(ready_fd, "r", 1) != 1)
    _exit(99);
  if (!wait_size(loop, p, 2, EVENT_TIMEOUT))
    status |= 1;
  ev_loop_destroy(loop);
  _exit(status);
}

static void
fork_case(const struct test_backend *b, int use_forkcheck)
{
  const char *bn = b->name;
  const char *how = use_forkcheck ? "EVFLAG_FORKCHECK" : "ev_loop_fork";
  struct ev_loop *loop =
      test_loop_new(b->flag | (use_forkcheck ? EVFLAG_FORKCHECK : 0));
  char path[128];
  struct probe p;
  struct pollfd pfd;
  int ready[2], parent_ok, status;
  pid_t pid;

  snprintf(path, sizeof path, "%s/fork", tmpdir);
  unlink(path);
  if (!append_byte(path))
    bail("creating %s: %s", path, strerror(errno));
  memset(&p, 0, sizeof p);
  ev_stat_init(&p.w, probe_cb, path, 0.);
  ev_stat_start(loop, &p.w);
  ev_run(loop, EVRUN_NOWAIT);
  make_pipe(ready);

  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0)
    bail("fork: %s", strerror(errno));
  if (pid == 0) {
    close(ready[0]);
    child_side(loop, &p, use_forkcheck, ready[1]);
  }
  close(ready[1]);

  pfd.fd = ready[0];
  pfd.events = POLLIN;
  if (poll(&pfd, 1, 5000) != 1)
    diag("the child did not get ready");
  if (!append_byte(path))
    bail("appending to %s: %s", path, strerror(errno));
  parent_ok = wait_size(loop, &p, 2, EVENT_TIMEOUT);
  status = reap(pid, 2 * EVENT_TIMEOUT);
  close(ready[0]);

  ok(parent_ok, "after %s the parent still sees the change [%s]", how, bn);
  ok(status >= 0 && !(status & 2),
     "the child's watcher has an inotify watch (status %d) [%s, %s]",
     status, how, bn);
  ok(status >= 0 && !(status & 1),
     "the child sees the same change (status %d) [%s, %s]", status, how,
     bn);

  /* The child closed its copies: the parent's watch is unaffected. */
  p.calls = 0;
  if (!append_byte(path))
    bail("appending to %s: %s", path, strerror(errno));
  ok(wait_size(loop, &p, 3, EVENT_TIMEOUT),
     "the parent is still notified after the child exited [%s, %s]", how,
     bn);

  ev_stat_stop(loop, &p.w);
  ev_verify(loop);
  ev_loop_destroy(loop);
  unlink(path);
}

static void
each_backend(const struct test_backend *b)
{
  fork_case(b, 0);
  fork_case(b, 1);
}

/* Removes the temporary directory and what a failed run left in it (up
 * to a few levels deep); runs at exit, also after bail(). */
static void
remove_tree(const char *dir, int depth)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char sub[512];

  if (!d)
    return;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    snprintf(sub, sizeof sub, "%.200s/%.255s", dir, e->d_name);
    if (unlink(sub) < 0 && errno == EISDIR && depth > 0)
      remove_tree(sub, depth - 1);
  }
  closedir(d);
  rmdir(dir);
}

static void
cleanup_tmpdir(void)
{
  remove_tree(tmpdir, 3);
}

int
main(void)
{
  const char *base = getenv("TMPDIR");
  int fd;

  tap_start(60);
  fd = inotify_init1(IN_CLOEXEC);
  if (fd < 0)
    skip_all("inotify is not available: %s", strerror(errno));
  close(fd);
  if (!base || !*base || strlen(base) > 40)
    base = "/tmp";
  snprintf(tmpdir, sizeof tmpdir, "%s/evix-statfork-XXXXXX", base);
  if (!mkdtemp(tmpdir))
    bail("mkdtemp(%s): %s", tmpdir, strerror(errno));
  atexit(cleanup_tmpdir);

  for_each_backend(each_backend);

  return 0;
}
