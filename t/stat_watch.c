/* stat_watch.c - ev_stat: what it reports, when, and what it costs.
 *
 * Every case runs on every backend in two modes: "inotify" (the default;
 * changes must be reported well before the default 5 s poll could notice
 * them) and "poll" (EVFLAG_NOINOTIFY, with a 0.12 s interval).  Covered:
 * a path appearing, growing, changing mode, being replaced by a rename,
 * renamed away and back, and deleted, with the `prev`/`attr` contents of
 * each event; the `wd` field and the polling timer; the interval floor;
 * ev_stat_stat; stopping; the loop references the watcher holds; the
 * descriptors it makes; and the misuse of a NULL callback.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* libev's polling intervals: the default and the floor. */
#define DEFAULT_INTERVAL 5.0074891
#define MIN_INTERVAL 0.1074891
#define REMOTE_INTERVAL 30.1074891
/* The interval used in poll mode, and how long any change may take to be
 * reported (much less than DEFAULT_INTERVAL, generous for a loaded host). */
#define POLL_INTERVAL 0.12
#define EVENT_TIMEOUT 3.0
/* How long to keep running to show that no (further) event comes. */
#define QUIET_TIME 0.4

static char tmpdir[64];
static int have_inotify;
/* 1: the temporary directory's filesystem is one libev trusts inotify on
 * (no polling); 0: one where it keeps polling; -1: not known here. */
static int tmp_fs_local;
static const char *tmp_fs_name = "?";

struct mode {
  const char *name;
  unsigned int flags;
  ev_tstamp interval;
};

static const struct mode modes[] = {
  { "inotify", 0, 0. },
  { "poll", EVFLAG_NOINOTIFY, POLL_INTERVAL },
};

/* ---- helpers ----------------------------------------------------------- */

struct probe {
  ev_stat w; /* first: the callback casts back */
  int calls;
  int revents;
  int stop_in_cb;
  ev_statdata first_prev;
  ev_statdata last_attr; /* attr as the callback last saw it */
};

static void
probe_cb(struct ev_loop *loop, ev_stat *w, int revents)
{
  struct probe *p = (struct probe *)w;

  if (!p->calls)
    p->first_prev = w->prev;
  ++p->calls;
  p->revents |= revents;
  p->last_attr = w->attr;
  if (p->stop_in_cb)
    ev_stat_stop(loop, w);
}

static void
probe_init(struct probe *p, const char *path, ev_tstamp interval)
{
  memset(p, 0, sizeof *p);
  ev_stat_init(&p->w, probe_cb, path, interval);
}

static void
probe_reset(struct probe *p)
{
  p->calls = 0;
  p->revents = 0;
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
}

/* What a step waits for: the callback has run and last saw these. */
struct want {
  int exists;        /* 1: st_nlink >= 1, 0: st_nlink == 0 */
  long long size;    /* -1: any */
  int mode;          /* permission bits, -1: any */
  ino_t ino;         /* 0: any */
};

static int
attr_matches(const ev_statdata *a, const struct want *want)
{
  if (want->exists != (a->st_nlink != 0))
    return 0;
  if (!want->exists)
    return 1;
  return (want->size < 0 || (long long)a->st_size == want->size) &&
         (want->mode < 0 || (int)(a->st_mode & 07777) == want->mode) &&
         (!want->ino || a->st_ino == want->ino);
}

/* Runs the loop until the probe's callback saw `want`, at most `seconds`.
 * A short repeating timer bounds every single wait. */
static int
wait_for(struct ev_loop *loop, const struct probe *p, const struct want *want,
         double seconds)
{
  ev_timer tick;
  double end = mono_now() + seconds;
  int done;

  ev_timer_init(&tick, tick_cb, 0.05, 0.05);
  ev_timer_start(loop, &tick);
  while (!(done = p->calls && attr_matches(&p->last_attr, want)) &&
         mono_now() < end)
    ev_run(loop, EVRUN_ONCE);
  ev_timer_stop(loop, &tick);
  return done;
}

/* Runs the loop for `seconds`, whatever happens. */
static void
run_for(struct ev_loop *loop, double seconds)
{
  ev_timer tick;
  double end = mono_now() + seconds;

  ev_timer_init(&tick, tick_cb, 0.05, 0.05);
  ev_timer_start(loop, &tick);
  while (mono_now() < end)
    ev_run(loop, EVRUN_ONCE);
  ev_timer_stop(loop, &tick);
}

static void
path_in_tmp(char *buf, size_t size, const char *name)
{
  snprintf(buf, size, "%s/%s", tmpdir, name);
}

/* Writes `len` bytes to path (created with `mode` if missing); O_APPEND
 * when `append`. */
static void
write_file(const char *path, size_t len, int append, mode_t mode)
{
  static const char junk[64] = "0123456789abcdef0123456789abcdef";
  int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC),
                mode);

  if (fd < 0)
    bail("open(%s): %s", path, strerror(errno));
  if (len > sizeof junk || write(fd, junk, len) != (ssize_t)len)
    bail("write(%s): %s", path, strerror(errno));
  close(fd);
}

static ino_t
inode_of(const char *path)
{
  struct stat st;
  if (lstat(path, &st) < 0)
    bail("lstat(%s): %s", path, strerror(errno));
  return st.st_ino;
}

static void
rename_or_bail(const char *from, const char *to)
{
  if (rename(from, to) < 0)
    bail("rename(%s, %s): %s", from, to, strerror(errno));
}

/* Open descriptors above 2 (up to 1023) as a bitmap. */
static void
fd_snapshot(unsigned char *open_fds)
{
  int fd;
  for (fd = 0; fd < 1024; ++fd)
    open_fds[fd] = fd > 2 && fcntl(fd, F_GETFD) >= 0;
}

/* ---- the cases --------------------------------------------------------- */

/* One watcher follows a path through a series of changes. */
static void
test_sequence(const struct test_backend *b, const struct mode *m)
{
  struct ev_loop *loop = test_loop_new(b->flag | m->flags);
  const char *bn = b->name, *mn = m->name;
  char path[128], other[128], away[128];
  int inotify_mode = !(m->flags & EVFLAG_NOINOTIFY);
  struct probe p;
  struct want want;
  ino_t ino_before, ino_other;

  path_in_tmp(path, sizeof path, "seq");
  path_in_tmp(other, sizeof other, "seq.other");
  path_in_tmp(away, sizeof away, "seq.away");

  probe_init(&p, path, m->interval);
  is_int(p.w.wd, -2, "wd is -2 after ev_stat_init [%s/%s]", bn, mn);
  ev_stat_start(loop, &p.w);
  ok(ev_is_active(&p.w), "started watcher is active [%s/%s]", bn, mn);
  is_int((long long)p.w.attr.st_nlink, 0,
         "missing path: attr.st_nlink is 0 after start [%s/%s]", bn, mn);
  if (!inotify_mode)
    is_int(p.w.wd, -2, "wd stays -2 with EVFLAG_NOINOTIFY [%s/%s]", bn, mn);
  else if (have_inotify)
    ok(p.w.wd >= 0, "missing path: wd %d >= 0 (a parent is watched) "
                    "[%s/%s]", p.w.wd, bn, mn);
  else
    skip("inotify_init1 fails here", "wd of a missing path [%s/%s]", bn, mn);
  if (inotify_mode && have_inotify)
    ok(ev_is_active(&p.w.timer) &&
           p.w.timer.repeat > DEFAULT_INTERVAL - 1e-6 &&
           p.w.timer.repeat < DEFAULT_INTERVAL + 1e-6,
       "missing path: still polled at the default %.7f s (repeat %.7f) "
       "[%s/%s]", DEFAULT_INTERVAL, p.w.timer.repeat, bn, mn);
  ev_verify(loop);

  /* Created: with inotify this must beat the 5 s poll. */
  write_file(path, 3, 0, 0600);
  want = (struct want){ 1, 3, -1, 0 };
  ok(wait_for(loop, &p, &want, EVENT_TIMEOUT),
     "create: reported, attr.st_size 3 [%s/%s]", bn, mn);
  is_hex((unsigned)p.revents, EV_STAT, "create: revents is EV_STAT [%s/%s]",
         bn, mn);
  is_int((long long)p.first_prev.st_nlink, 0,
         "create: prev.st_nlink is 0 [%s/%s]", bn, mn);
  is_int((long long)p.w.attr.st_ino, (long long)inode_of(path),
         "create: attr.st_ino is the new file's [%s/%s]", bn, mn);
  if (inotify_mode && have_inotify) {
    ok(p.w.wd >= 0, "create: wd %d >= 0 [%s/%s]", p.w.wd, bn, mn);
    if (tmp_fs_local == 1)
      ok(!ev_is_active(&p.w.timer),
         "existing path on %s: no polling timer [%s/%s]", tmp_fs_name, bn,
         mn);
    else if (tmp_fs_local == 0)
      ok(ev_is_active(&p.w.timer) &&
             p.w.timer.repeat > REMOTE_INTERVAL - 1e-6 &&
             p.w.timer.repeat < REMOTE_INTERVAL + 1e-6,
         "existing path on %s: polled every %.7f s (repeat %.7f) [%s/%s]",
         tmp_fs_name, REMOTE_INTERVAL, p.w.timer.repeat, bn, mn);
    else
      skip("temporary directory on an unclassified filesystem",
           "polling on %s [%s/%s]", tmp_fs_name, bn, mn);
  }
  ev_verify(loop);

  /* Grown by an append: exactly one event with inotify. */
  probe_reset(&p);
  write_file(path, 4, 1, 0600);
  want = (struct want){ 1, 7, -1, 0 };
  ok(wait_for(loop, &p, &want, EVENT_TIMEOUT),
     "modify: reported, attr.st_size 7 [%s/%s]", bn, mn);
  is_int((long long)p.first_prev.st_size, 3,
         "modify: prev.st_size is 3 [%s/%s]", bn, mn);
  is_int((long long)p.w.prev.st_ino, (long long)p.w.attr.st_ino,
         "modify: prev and attr are the same file [%s/%s]", bn, mn);
  if (inotify_mode) {
    run_for(loop, QUIET_TIME);
    is_int(p.calls, 1, "modify: exactly one event [%s/%s]", bn, mn);
  }

  /* Mode change. */
  probe_reset(&p);
  if (chmod(path, 0640) < 0)
    bail("chmod: %s", strerror(errno));
  want = (struct want){ 1, 7, 0640, 0 };
  ok(wait_for(loop, &p, &want, EVENT_TIMEOUT),
     "chmod: reported, attr mode 0640 [%s/%s]", bn, mn);
  is_int((long long)(p.first_prev.st_mode & 07777), 0600,
         "chmod: prev mode 0600 [%s/%s]", bn, mn);

  /* Replaced by a rename onto the path. */
  probe_reset(&p);
  ino_before = inode_of(path);
  write_file(other, 5, 0, 0600);
  ino_other = inode_of(other);
  rename_or_bail(other, path);
  want = (struct want){ 1, 5, 0600, ino_other };
  ok(wait_for(loop, &p, &want, EVENT_TIMEOUT),
     "rename onto: reported, attr is the new file [%s/%s]", bn, mn);
  is_int((long long)p.first_prev.st_ino, (long long)ino_before,
         "rename onto: prev is the replaced file [%s/%s]", bn, mn);
  ev_verify(loop);

  /* Renamed away: gone. */
  probe_reset(&p);
  rename_or_bail(path, away);
  want = (struct want){ 0, -1, -1, 0 };
  ok(wait_for(loop, &p, &want, EVENT_TIMEOUT),
     "rename away: reported, attr.st_nlink 0 [%s/%s]", bn, mn);
  is_int((long long)p.first_prev.st_ino, (long long)ino_other,
         "rename away: prev is the file that left [%s/%s]", bn, mn);
  is_int((long long)p.first_prev.st_size, 5,
         "rename away: prev.st_size 5 [%s/%s]", bn, mn);

  /* ... and back: the watch must have followed to the parent. */
  probe_reset(&p);
  rename_or_bail(away, path);
  want = (struct want){ 1, 5, -1, ino_other };
  ok(wait_for(loop, &p, &want, EVENT_TIMEOUT),
     "rename back: reported, attr is that file again [%s/%s]", bn, mn);
  is_int((long long)p.first_prev.st_nlink, 0,
         "rename back: prev.st_nlink 0 [%s/%s]", bn, mn);

  /* Deleted. */
  probe_reset(&p);
  if (unlink(path) < 0)
    bail("unlink: %s", strerror(errno));
  want = (struct want){ 0, -1, -1, 0 };
  ok(wait_for(loop, &p, &want, EVENT_TIMEOUT),
     "delete: reported, attr.st_nlink 0 [%s/%s]", bn, mn);
  is_int((long long)p.first_prev.st_nlink, 1,
         "delete: prev.st_nlink 1 [%s/%s]", bn, mn);
  is_int((long long)p.first_prev.st_size, 5,
         "delete: prev.st_size 5 [%s/%s]", bn, mn);
  ev_verify(loop);

  ev_stat_stop(loop, &p.w);
  ok(!ev_is_active(&p.w), "stopped watcher is inactive [%s/%s]", bn, mn);
  is_int(p.w.wd, -2, "wd is -2 after ev_stat_stop [%s/%s]", bn, mn);
  is_int(ev_run(loop, EVRUN_NOWAIT), 0,
         "nothing active after stop [%s/%s]", bn, mn);
  ev_loop_destroy(loop);
}

/* Start-time facts: attr, lstat semantics, the interval, the timer. */
static void
test_start(const struct test_backend *b, const struct mode *m)
{
  struct ev_loop *loop = test_loop_new(b->flag | m->flags);
  const char *bn = b->name, *mn = m->name;
  int inotify_mode = !(m->flags & EVFLAG_NOINOTIFY);
  char path[128], link_path[128];
  struct probe p, q, l;
  struct stat st;

  path_in_tmp(path, sizeof path, "start");
  path_in_tmp(link_path, sizeof link_path, "start.link");
  write_file(path, 11, 0, 0604);
  if (lstat(path, &st) < 0 || symlink(path, link_path) < 0)
    bail("setting up %s: %s", path, strerror(errno));

  probe_init(&p, path, 0.);
  ev_stat_start(loop, &p.w);
  ok(p.w.attr.st_ino == st.st_ino && p.w.attr.st_dev == st.st_dev &&
         p.w.attr.st_size == 11 && (p.w.attr.st_mode & 07777) == 0604 &&
         p.w.attr.st_nlink == 1,
     "attr holds the file's lstat data after start [%s/%s]", bn, mn);
  is_double(p.w.interval, 0., 0., "interval 0 stays 0 [%s/%s]", bn, mn);
  if (inotify_mode && have_inotify)
    ok(p.w.wd >= 0, "existing path: wd %d >= 0 [%s/%s]", p.w.wd, bn, mn);
  else if (inotify_mode)
    skip("inotify_init1 fails here", "wd [%s/%s]", bn, mn);
  else
    ok(p.w.wd == -2 && ev_is_active(&p.w.timer) &&
           p.w.timer.repeat > DEFAULT_INTERVAL - 1e-6 &&
           p.w.timer.repeat < DEFAULT_INTERVAL + 1e-6,
       "no inotify: wd -2, polled every %.7f s (wd %d, repeat %.7f) "
       "[%s/%s]", DEFAULT_INTERVAL, p.w.wd, p.w.timer.repeat, bn, mn);
  is_int(ev_run(loop, EVRUN_NOWAIT), 1,
         "one started ev_stat holds exactly one loop reference [%s/%s]", bn,
         mn);

  /* A too small interval is raised to the floor, in either mode. */
  probe_init(&q, path, 0.01);
  ev_stat_start(loop, &q.w);
  is_double(q.w.interval, MIN_INTERVAL, 1e-9,
            "interval 0.01 raised to %.7f [%s/%s]", MIN_INTERVAL, bn, mn);
  if (!inotify_mode)
    is_double(q.w.timer.repeat, MIN_INTERVAL, 1e-9,
              "and polled at that interval [%s/%s]", bn, mn);
  is_int(ev_run(loop, EVRUN_NOWAIT), 2,
         "two started ev_stat hold two references [%s/%s]", bn, mn);

  /* lstat, not stat: a symlink is reported as itself. */
  probe_init(&l, link_path, m->interval);
  ev_stat_start(loop, &l.w);
  ok(S_ISLNK(l.w.attr.st_mode) && l.w.attr.st_ino != st.st_ino,
     "a symlink's attr is the link's own (lstat) [%s/%s]", bn, mn);
  ev_verify(loop);

  ev_stat_stop(loop, &p.w);
  ev_stat_stop(loop, &q.w);
  ev_stat_stop(loop, &l.w);
  is_int(ev_run(loop, EVRUN_NOWAIT), 0,
         "no reference left after stopping them [%s/%s]", bn, mn);
  ev_loop_destroy(loop);
  unlink(link_path);
  unlink(path);
}

/* ev_stat_stat refreshes attr without an event; stopping stops events;
 * a watcher sharing the path survives its twin being stopped. */
static void
test_stat_and_stop(const struct test_backend *b, const struct mode *m)
{
  struct ev_loop *loop = test_loop_new(b->flag | m->flags);
  const char *bn = b->name, *mn = m->name;
  char path[128];
  struct probe p, twin;
  struct want want;

  path_in_tmp(path, sizeof path, "stop");
  write_file(path, 2, 0, 0600);
  probe_init(&p, path, m->interval);
  probe_init(&twin, path, m->interval);
  ev_stat_start(loop, &p.w);
  ev_stat_start(loop, &twin.w);
  run_for(loop, 0.05);

  if (truncate(path, 9) < 0)
    bail("truncate: %s", strerror(errno));
  ev_stat_stat(loop, &p.w);
  is_int((long long)p.w.attr.st_size, 9,
         "ev_stat_stat updates attr at once [%s/%s]", bn, mn);
  want = (struct want){ 1, 9, -1, 0 };
  ok(wait_for(loop, &twin, &want, EVENT_TIMEOUT),
     "the twin watcher reports the change [%s/%s]", bn, mn);
  run_for(loop, QUIET_TIME);
  is_int(p.calls, 0, "no event for a change ev_stat_stat saw [%s/%s]", bn,
         mn);

  /* Stop one of the two: the other still reports. */
  ev_stat_stop(loop, &p.w);
  probe_reset(&twin);
  write_file(path, 1, 1, 0600);
  want = (struct want){ 1, 10, -1, 0 };
  ok(wait_for(loop, &twin, &want, EVENT_TIMEOUT),
     "a watcher on the same path survives its twin's stop [%s/%s]", bn, mn);

  /* Stopped: nothing more. */
  ev_stat_stop(loop, &twin.w);
  probe_reset(&p);
  probe_reset(&twin);
  write_file(path, 1, 1, 0600);
  run_for(loop, QUIET_TIME);
  ok(p.calls == 0 && twin.calls == 0,
     "no events after ev_stat_stop (%d, %d) [%s/%s]", p.calls, twin.calls,
     bn, mn);
  ev_verify(loop);
  ev_loop_destroy(loop);
  unlink(path);
}

static void
guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)revents;
  *(int *)w->data = 1;
  ev_break(loop, EVBREAK_ALL);
}

static void
touch_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)revents;
  write_file((const char *)w->data, 1, 1, 0600);
}

/* ev_run(loop, 0) returns once the only ev_stat stops itself: neither the
 * inotify reader nor the polling timer keeps the loop alive. */
static void
test_loop_alive(const struct test_backend *b, const struct mode *m)
{
  struct ev_loop *loop = test_loop_new(b->flag | m->flags);
  const char *bn = b->name, *mn = m->name;
  char path[128];
  struct probe p;
  ev_timer guard, touch;
  int guard_fired = 0;
  double t0;

  path_in_tmp(path, sizeof path, "alive");
  write_file(path, 1, 0, 0600);
  probe_init(&p, path, m->interval);
  p.stop_in_cb = 1;
  ev_stat_start(loop, &p.w);

  /* The guard holds no reference: if ev_run ends only through it, the
   * loop was kept alive by something else. */
  ev_timer_init(&guard, guard_cb, 10., 0.);
  guard.data = &guard_fired;
  ev_timer_start(loop, &guard);
  ev_unref(loop);
  ev_timer_init(&touch, touch_cb, 0.05, 0.);
  touch.data = path;
  ev_timer_start(loop, &touch);

  t0 = mono_now();
  ev_run(loop, 0);
  ok(p.calls == 1 && !guard_fired,
     "ev_run returns after the watcher stops itself (calls %d, guard %d, "
     "%.2f s) [%s/%s]", p.calls, guard_fired, mono_now() - t0, bn, mn);
  ev_ref(loop);
  ev_timer_stop(loop, &guard);
  ev_loop_destroy(loop);
  unlink(path);
}

/* The descriptors ev_stat makes: one inotify fd at most, close-on-exec
 * and non-blocking, gone after ev_loop_destroy. */
static void
test_fds(const struct test_backend *b, const struct mode *m)
{
  static unsigned char before[1024], after[1024];
  const char *bn = b->name, *mn = m->name;
  int inotify_mode = !(m->flags & EVFLAG_NOINOTIFY);
  int nfds = count_open_fds();
  struct ev_loop *loop = test_loop_new(b->flag | m->flags);
  char path[128];
  struct probe p, q;
  int fd, fresh = 0, flags_ok = 1;

  path_in_tmp(path, sizeof path, "fds");
  write_file(path, 1, 0, 0600);
  fd_snapshot(before);
  probe_init(&p, path, m->interval);
  probe_init(&q, tmpdir, m->interval);
  ev_stat_start(loop, &p.w);
  ev_stat_start(loop, &q.w);
  ev_run(loop, EVRUN_NOWAIT);
  fd_snapshot(after);
  for (fd = 0; fd < 1024; ++fd)
    if (after[fd] && !before[fd]) {
      ++fresh;
      if ((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0 ||
          (fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0)
        flags_ok = 0;
    }
  is_int(fresh, inotify_mode && have_inotify ? 1 : 0,
         "descriptors made by two ev_stat watchers [%s/%s]", bn, mn);
  ok(flags_ok, "they are non-blocking and close-on-exec [%s/%s]", bn, mn);
  ev_loop_destroy(loop);
  is_int(count_open_fds(), nfds,
         "no descriptor left after ev_loop_destroy with active watchers "
         "[%s/%s]", bn, mn);
  unlink(path);
}

/* A path below directories that do not exist yet: each level appearing
 * must move the watch down (evix) or at least the default poll must find
 * the file (libev polls a missing path every ~5 s), so the wait is longer
 * than that. */
static void
test_nested(const struct test_backend *b, const struct mode *m)
{
  struct ev_loop *loop = test_loop_new(b->flag | m->flags);
  const char *bn = b->name, *mn = m->name;
  char d1[128], d2[160], path[192];
  struct probe p;
  struct want want = { 1, 6, -1, 0 };
  double t0;
  int seen;

  path_in_tmp(d1, sizeof d1, "nest");
  snprintf(d2, sizeof d2, "%s/deeper", d1);
  snprintf(path, sizeof path, "%s/file", d2);
  probe_init(&p, path, m->interval);
  ev_stat_start(loop, &p.w);
  run_for(loop, 0.05);
  t0 = mono_now();
  if (mkdir(d1, 0700) < 0)
    bail("mkdir(%s): %s", d1, strerror(errno));
  run_for(loop, 0.05);
  if (mkdir(d2, 0700) < 0)
    bail("mkdir(%s): %s", d2, strerror(errno));
  run_for(loop, 0.05);
  write_file(path, 6, 0, 0600);
  seen = wait_for(loop, &p, &want, DEFAULT_INTERVAL + EVENT_TIMEOUT);
  ok(seen && p.first_prev.st_nlink == 0,
     "file below two new directories reported after %.2f s [%s/%s]",
     mono_now() - t0, bn, mn);
  ev_stat_stop(loop, &p.w);
  ev_verify(loop);
  ev_loop_destroy(loop);
  unlink(path);
  rmdir(d2);
  rmdir(d1);
}

static void
each_backend(const struct test_backend *b)
{
  size_t i;
  for (i = 0; i < sizeof modes / sizeof modes[0]; ++i) {
    test_start(b, &modes[i]);
    test_sequence(b, &modes[i]);
    test_stat_and_stop(b, &modes[i]);
    test_loop_alive(b, &modes[i]);
    test_fds(b, &modes[i]);
    test_nested(b, &modes[i]);
  }
}

/* ---- misuse ------------------------------------------------------------ */

static void
start_without_callback(void *arg)
{
  struct ev_loop *loop = ev_loop_new(EVFLAG_NOENV);
  ev_stat w;
  (void)arg;
  memset(&w, 0, sizeof w);
  ev_stat_set(&w, "/", 0.);
  ev_stat_start(loop, &w);
}

static void
test_misuse(void)
{
#ifdef EVIX_TEST_LIBEV
  (void)start_without_callback;
  skip("libev does not check it", "ev_stat_start with a NULL callback "
                                  "aborts [%s]", TEST_IMPL);
#else
  struct child_result res;
  run_in_child(start_without_callback, NULL, 10., &res);
  ok(aborted_with(&res, "ev_stat_start", "callback", NULL),
     "ev_stat_start with a NULL callback aborts [%s]", TEST_IMPL);
#endif
}

/* ---- setup ------------------------------------------------------------- */

static void
classify_tmp_fs(void)
{
  static const struct {
    unsigned long magic;
    const char *name;
    int local;
  } known[] = {
    { 0xef53, "ext2/3/4", 1 },     { 0x01021994, "tmpfs", 1 },
    { 0x858458f6, "ramfs", 1 },    { 0x58465342, "xfs", 1 },
    { 0x9123683e, "btrfs", 1 },    { 0x794c7630, "overlayfs", 0 },
    { 0x6969, "nfs", 0 },          { 0xff534d42, "cifs", 0 },
  };
  struct statfs sfs;
  size_t i;

  tmp_fs_local = -1;
  if (statfs(tmpdir, &sfs) < 0)
    return;
  for (i = 0; i < sizeof known / sizeof known[0]; ++i)
    if ((unsigned long)(unsigned int)sfs.f_type == known[i].magic) {
      tmp_fs_local = known[i].local;
      tmp_fs_name = known[i].name;
    }
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
  if (!base || !*base || strlen(base) > 40)
    base = "/tmp";
  snprintf(tmpdir, sizeof tmpdir, "%s/evix-stat-XXXXXX", base);
  if (!mkdtemp(tmpdir))
    bail("mkdtemp(%s): %s", tmpdir, strerror(errno));
  atexit(cleanup_tmpdir);
  classify_tmp_fs();
  fd = inotify_init1(IN_CLOEXEC);
  have_inotify = fd >= 0;
  if (fd >= 0)
    close(fd);
  diag("temporary directory %s on %s; inotify %s", tmpdir, tmp_fs_name,
       have_inotify ? "available" : "unavailable");

  for_each_backend(each_backend);
  test_misuse();

  return 0;
}
