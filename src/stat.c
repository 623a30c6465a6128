/* stat.c - ev_stat: noticing that a path's attributes changed.
 *
 * Detection is always "lstat the path and compare with the last result";
 * what varies is what triggers the comparison:
 *  - with inotify (Linux, unless EVFLAG_NOINOTIFY): the kernel reporting
 *    activity on the path itself or, while the path cannot be watched, on
 *    its nearest existing parent directory.  The internal timer only polls
 *    where inotify alone cannot be trusted: while the path is missing, on
 *    filesystems not known to report every change (network, pseudo and
 *    overlay filesystems), and on kernels before 2.6.25;
 *  - without inotify: the internal timer polls at the watcher's interval.
 *
 * Watchers with an inotify watch are kept in a small hash keyed on their
 * watch descriptor (`wd`), chained through their `next` field.  Several
 * watchers may share one watch (the same file, or the same parent); a
 * watch is removed from the kernel only when its last user leaves.
 *
 * The internal io and timer watchers never hold a loop reference: only the
 * ev_stat watcher itself keeps ev_run going.
 */
#include "stat.h"
#include "pending.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__linux__)
#define STAT_INOTIFY 1
#include <sys/inotify.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#else
#define STAT_INOTIFY 0
#endif

/* Polling intervals in seconds, libev's values: the default, the floor for
 * a caller's interval, and the default where inotify needs a backup.  The
 * odd fractions keep polls from lining up with round-second timers. */
#define STAT_DEFAULT_INTERVAL 5.0074891
#define STAT_MIN_INTERVAL 0.1074891
#define STAT_REMOTE_INTERVAL 30.1074891

/* Buckets of the wd hash (libev's EV_INOTIFY_HASHSIZE); a power of two. */
#define STAT_HASHSIZE 16

struct evix_stat_state {
  int fd;           /* the inotify descriptor, -1 if it could not be made */
  int kernel_ok;    /* the kernel's inotify reports every local change */
  ev_io io;         /* reads fd; priority EV_MAXPRI, holds no reference */
  ev_watcher_list *hash[STAT_HASHSIZE]; /* watchers with wd >= 0 */
};

/* Refreshes w->attr.  A path that cannot be stat'ed reads as st_nlink 0
 * (and nothing else stale); an existing one always has st_nlink >= 1. */
static void
stat_now(ev_stat *w)
{
  if (lstat(w->path, &w->attr) < 0)
    memset(&w->attr, 0, sizeof w->attr);
  else if (!w->attr.st_nlink)
    w->attr.st_nlink = 1;
}

/* The fields whose change is reported.  Times are compared in whole
 * seconds, as libev documents. */
static int
stat_differs(const ev_statdata *a, const ev_statdata *b)
{
  return a->st_dev != b->st_dev || a->st_ino != b->st_ino ||
         a->st_mode != b->st_mode || a->st_nlink != b->st_nlink ||
         a->st_uid != b->st_uid || a->st_gid != b->st_gid ||
         a->st_rdev != b->st_rdev || a->st_size != b->st_size ||
         a->st_atime != b->st_atime || a->st_mtime != b->st_mtime ||
         a->st_ctime != b->st_ctime;
}

/* The interval the timer polls at when nothing better is known. */
static ev_tstamp
stat_interval(const ev_stat *w)
{
  return w->interval != 0. ? w->interval : STAT_DEFAULT_INTERVAL;
}

#if STAT_INOTIFY

/* What a watch on the path itself asks for.  The directory events matter
 * when the path is a directory (its entries change); IN_DONT_FOLLOW
 * because the path is lstat'ed; IN_MASK_ADD because watchers of the same
 * inode share one watch and must not narrow each other's mask. */
#define STAT_PATH_MASK                                                    \
  (IN_ATTRIB | IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM |        \
   IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW |         \
   IN_MASK_ADD)
/* A parent watched because the path is missing: its entries appearing. */
#define STAT_MISSING_MASK                                                 \
  (IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_MASK_ADD)
/* A parent watched because it denied access: its permissions changing. */
#define STAT_DENIED_MASK                                                  \
  (IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_MASK_ADD)

/* Big enough for several events, and always for one with a full name. */
#define STAT_READ_SIZE 4096
/* Reads per wake-up: more events are left for the next iteration. */
#define STAT_READS_MAX 8

static void stat_check(struct ev_loop *loop, ev_stat *w);

/* Makes w's timer poll every `repeat` seconds (0: not at all), restarting
 * its countdown, without letting it hold a loop reference. */
static void
stat_poll(struct ev_loop *loop, ev_stat *w, ev_tstamp repeat)
{
  if (ev_is_active(&w->timer))
    ev_ref(loop);
  w->timer.repeat = repeat;
  ev_timer_again(loop, &w->timer);
  if (ev_is_active(&w->timer))
    ev_unref(loop);
}

/* Whether inotify reports every change on a filesystem with this statfs
 * magic (the set libev trusts): devfs, FAT, MSDOS, ext2/3/4, JFFS2, ramfs,
 * NTFS, JFS, btrfs, reiserfs, tmpfs, XFS.  Elsewhere a slow poll remains. */
static int
stat_fs_is_local(uint32_t magic)
{
  static const uint32_t local[] = {
    0x1373,     0x4006,     0x4d44,     0xef53,     0x72b6,     0x858458f6,
    0x5346544e, 0x3153464a, 0x9123683e, 0x52654973, 0x01021994, 0x58465342,
  };
  size_t i;

  for (i = 0; i < sizeof local / sizeof local[0]; ++i)
    if (local[i] == magic)
      return 1;
  return 0;
}

/* Kernels before 2.6.25 lose some inotify events, so there a watch never
 * replaces polling. */
static int
stat_kernel_ok(void)
{
  struct utsname u;
  long v[3] = { 0, 0, 0 };
  const char *p;
  int i;

  if (uname(&u) < 0)
    return 0;
  p = u.release;
  for (i = 0; i < 3; ++i) {
    char *end;
    v[i] = strtol(p, &end, 10);
    if (end == p || *end != '.')
      break;
    p = end + 1;
  }
  if (v[0] != 2)
    return v[0] > 2;
  if (v[1] != 6)
    return v[1] > 6;
  return v[2] >= 25;
}

static ev_watcher_list **
stat_bucket(struct evix_stat_state *st, int wd)
{
  return &st->hash[(unsigned)wd & (STAT_HASHSIZE - 1)];
}

static void
stat_hash_add(struct evix_stat_state *st, ev_stat *w)
{
  ev_watcher_list **head = stat_bucket(st, w->wd);

  w->next = *head;
  *head = (ev_watcher_list *)w;
}

static void
stat_hash_del(struct evix_stat_state *st, ev_stat *w, int wd)
{
  ev_watcher_list **pp;

  for (pp = stat_bucket(st, wd); *pp; pp = &(*pp)->next)
    if (*pp == (ev_watcher_list *)w) {
      *pp = w->next;
      return;
    }
}

static int
stat_wd_in_use(struct evix_stat_state *st, int wd)
{
  ev_watcher_list *p;

  for (p = *stat_bucket(st, wd); p; p = p->next)
    if (((ev_stat *)p)->wd == wd)
      return 1;
  return 0;
}

/* The path cannot be watched (err is ENOENT or EACCES): watches its
 * nearest parent directory that can be, so that the path appearing (or
 * becoming accessible) is noticed.  Like libev, the root directory and the
 * working directory of a relative path are never watched. */
static void
stat_watch_parent(struct evix_stat_state *st, ev_stat *w, int err)
{
  size_t len = strlen(w->path);
  char *dir = evix__realloc(NULL, (long)len + 1);

  memcpy(dir, w->path, len + 1);
  for (;;) {
    char *slash = strrchr(dir, '/');

    if (!slash || slash == dir)
      break;
    *slash = 0;
    w->wd = inotify_add_watch(st->fd, dir, err == EACCES ? STAT_DENIED_MASK
                                                        : STAT_MISSING_MASK);
    if (w->wd >= 0)
      break;
    err = errno;
    if (err != ENOENT && err != EACCES)
      break;
  }
  evix__free(dir);
}

/* Sets w->wd to a watch on the path or a parent (-1: none possible) and
 * returns how often the timer must still poll (0: never). */
static ev_tstamp
stat_add_watch(struct evix_stat_state *st, ev_stat *w)
{
  struct statfs sfs;
  int err;

  w->wd = inotify_add_watch(st->fd, w->path, STAT_PATH_MASK);
  if (w->wd >= 0) {
    if (!st->kernel_ok)
      return stat_interval(w);
    if (statfs(w->path, &sfs) == 0 && stat_fs_is_local((uint32_t)sfs.f_type))
      return 0.;
    return w->interval != 0. ? w->interval : STAT_REMOTE_INTERVAL;
  }
  err = errno;
  if (err == ENOENT || err == EACCES)
    stat_watch_parent(st, w, err);
  return stat_interval(w);
}

/* Points w's watch at whatever its path is now (the file, or a parent
 * while it is missing) and sets the polling to match.  The old watch is
 * removed from the kernel when nobody uses it any more, unless the kernel
 * already dropped it (old_alive 0). */
static void
stat_rewatch(struct ev_loop *loop, struct evix_stat_state *st, ev_stat *w,
             int old_alive)
{
  int old = w->wd;
  ev_tstamp repeat = stat_add_watch(st, w);

  /* Adding a watch for an inode that already has one returns the same wd:
   * then w stays where it is in the hash. */
  if (w->wd != old) {
    if (old >= 0)
      stat_hash_del(st, w, old);
    if (w->wd >= 0)
      stat_hash_add(st, w);
    if (old >= 0 && old_alive && !stat_wd_in_use(st, old))
      inotify_rm_watch(st->fd, old);
  }
  stat_poll(loop, w, repeat);
}

/* Everything that happened to watch `wd`; wd < 0 (the kernel's queue
 * overflowed and events were lost) means every watcher. */
static void
stat_wd_event(struct ev_loop *loop, struct evix_stat_state *st, int wd,
              uint32_t mask)
{
  int slot, first = 0, last = STAT_HASHSIZE - 1;

  if (wd >= 0)
    first = last = wd & (STAT_HASHSIZE - 1);
  for (slot = first; slot <= last; ++slot) {
    ev_watcher_list *p, *next;

    /* Re-watching moves only the watcher at hand (to the head of some
     * bucket), so the saved successor stays valid.  A watcher moved to a
     * later bucket may be checked twice, which is harmless. */
    for (p = st->hash[slot]; p; p = next) {
      ev_stat *w = (ev_stat *)p;

      next = p->next;
      if (wd >= 0 && w->wd != wd)
        continue;
      /* Anything but plain data writes may mean the watch now sits on the
       * wrong inode (renamed, deleted, a missing path or parent appearing,
       * the kernel dropping the watch): cheap to redo, since an
       * unchanged target returns the same wd. */
      if (wd < 0 || (mask & ~(uint32_t)IN_MODIFY))
        stat_rewatch(loop, st, w, !(mask & IN_IGNORED));
      stat_check(loop, w);
    }
  }
}

static void
stat_inotify_cb(struct ev_loop *loop, ev_io *io, int revents)
{
  struct evix_stat_state *st = loop->stat_state;
  union {
    struct inotify_event align;
    char buf[STAT_READ_SIZE];
  } u;
  int reads;

  (void)io;
  (void)revents;
  for (reads = 0; reads < STAT_READS_MAX; ++reads) {
    ssize_t len = read(st->fd, u.buf, sizeof u.buf);
    size_t off = 0;

    if (len <= 0)
      break;
    while (off + sizeof(struct inotify_event) <= (size_t)len) {
      struct inotify_event ev;

      memcpy(&ev, u.buf + off, sizeof ev);
      off += sizeof ev + ev.len;
      stat_wd_event(loop, st, (ev.mask & IN_Q_OVERFLOW) ? -1 : ev.wd,
                    ev.mask);
    }
    /* The kernel returns as many whole events as fit: if one more of the
     * largest kind would have fit, the queue is empty now. */
    if ((size_t)len + sizeof(struct inotify_event) + NAME_MAX + 1 <=
        sizeof u.buf)
      break;
  }
}

static int
stat_inotify_open(void)
{
  return inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

/* The loop's inotify state, made on first use; NULL with
 * EVFLAG_NOINOTIFY.  If inotify cannot be had, fd is -1 for good. */
static struct evix_stat_state *
stat_state(struct ev_loop *loop)
{
  struct evix_stat_state *st = loop->stat_state;

  if (st || (loop->flags & EVFLAG_NOINOTIFY))
    return st;
  st = evix__realloc(NULL, (long)sizeof *st);
  memset(st, 0, sizeof *st);
  st->fd = stat_inotify_open();
  st->kernel_ok = stat_kernel_ok();
  ev_io_init(&st->io, stat_inotify_cb, st->fd, EV_READ);
  ev_set_priority(&st->io, EV_MAXPRI);
  if (st->fd >= 0) {
    ev_io_start(loop, &st->io);
    ev_unref(loop);
  }
  loop->stat_state = st;
  return st;
}

static int
stat_inotify_usable(struct ev_loop *loop)
{
  return loop->stat_state && loop->stat_state->fd >= 0;
}

#endif /* STAT_INOTIFY */

/* Re-stats w and, on a change, remembers the old attributes and queues
 * EV_STAT. */
static void
stat_check(struct ev_loop *loop, ev_stat *w)
{
  ev_statdata old = w->attr;

  stat_now(w);
  if (!stat_differs(&old, &w->attr))
    return;
  w->prev = old;
#if STAT_INOTIFY
  if (stat_inotify_usable(loop)) {
    int tries;
    /* The path may be a different file now, or gone, or back: watch what
     * is there.  Then look again, since a change made before the new
     * watch existed would only show at the next poll, if any. */
    for (tries = 0; tries < 3; ++tries) {
      ev_statdata seen = w->attr;
      stat_rewatch(loop, loop->stat_state, w, 1);
      stat_now(w);
      if (!stat_differs(&seen, &w->attr))
        break;
    }
  }
#endif
  evix__feed(loop, (ev_watcher *)w, EV_STAT);
}

static void
stat_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
  ev_stat *w = (ev_stat *)(void *)((char *)t - offsetof(ev_stat, timer));

  (void)revents;
  stat_check(loop, w);
}

void
ev_stat_start(struct ev_loop *loop, ev_stat *w) EV_NOEXCEPT
{
#if STAT_INOTIFY
  struct evix_stat_state *st;
#endif

  if (EVIX_UNLIKELY(w->active))
    return;
  evix__start(loop, (ev_watcher *)w, 1, "ev_stat_start");

  stat_now(w);
  if (w->interval != 0. && w->interval < STAT_MIN_INTERVAL)
    w->interval = STAT_MIN_INTERVAL;
  ev_init(&w->timer, stat_timer_cb);
  ev_timer_set(&w->timer, 0., stat_interval(w));
  ev_set_priority(&w->timer, ev_priority(w));

#if STAT_INOTIFY
  st = stat_state(loop);
  if (st && st->fd >= 0) {
    w->wd = -1;
    stat_rewatch(loop, st, w, 0);
    return;
  }
#endif
  ev_timer_again(loop, &w->timer);
  ev_unref(loop);
}

void
ev_stat_stop(struct ev_loop *loop, ev_stat *w) EV_NOEXCEPT
{
  evix__clear_pending(loop, (ev_watcher *)w);
  if (EVIX_UNLIKELY(!w->active))
    return;

#if STAT_INOTIFY
  if (w->wd >= 0 && stat_inotify_usable(loop)) {
    struct evix_stat_state *st = loop->stat_state;
    int wd = w->wd;

    stat_hash_del(st, w, wd);
    if (!stat_wd_in_use(st, wd))
      inotify_rm_watch(st->fd, wd);
    w->wd = -2;
  }
#endif
  if (ev_is_active(&w->timer))
    ev_ref(loop);
  ev_timer_stop(loop, &w->timer);
  evix__stop(loop, (ev_watcher *)w);
}

void
ev_stat_stat(struct ev_loop *loop, ev_stat *w) EV_NOEXCEPT
{
  (void)loop;
  stat_now(w);
}

void
evix__stat_fork(struct ev_loop *loop)
{
#if STAT_INOTIFY
  struct evix_stat_state *st = loop->stat_state;
  ev_watcher_list *all = NULL, *p, *next;
  int slot;

  if (!st || st->fd < 0)
    return;

  /* The inherited descriptor is shared with the parent: its watches and
   * events are the parent's too.  Drop it (without touching the watches)
   * and start over. */
  ev_ref(loop);
  ev_io_stop(loop, &st->io);
  close(st->fd);
  st->fd = stat_inotify_open();
  if (st->fd >= 0) {
    ev_io_set(&st->io, st->fd, EV_READ);
    ev_io_start(loop, &st->io);
    ev_unref(loop);
  }

  for (slot = 0; slot < STAT_HASHSIZE; ++slot) {
    for (p = st->hash[slot]; p; p = next) {
      next = p->next;
      p->next = all;
      all = p;
    }
    st->hash[slot] = NULL;
  }
  for (p = all; p; p = next) {
    ev_stat *w = (ev_stat *)p;

    next = p->next;
    w->wd = -1;
    if (st->fd >= 0) {
      stat_rewatch(loop, st, w, 0);
      /* Changes between the fork and now had no watch to report them. */
      stat_check(loop, w);
    } else {
      stat_poll(loop, w, stat_interval(w));
    }
  }
#else
  (void)loop;
#endif
}

void
evix__stat_free(struct ev_loop *loop)
{
  struct evix_stat_state *st = loop->stat_state;

  if (!st)
    return;
#if STAT_INOTIFY
  /* Unhook the io watcher while the fd table still lists it; if the table
   * is gone already, there is nothing left to unhook. */
  if (ev_is_active(&st->io) && st->io.fd < loop->fdmax) {
    ev_ref(loop);
    ev_io_stop(loop, &st->io);
  }
  if (st->fd >= 0)
    close(st->fd);
#endif
  evix__free(st);
  loop->stat_state = NULL;
}

void
evix__stat_verify(struct ev_loop *loop)
{
  struct evix_stat_state *st = loop->stat_state;
  int slot;

  if (!st)
    return;
  for (slot = 0; slot < STAT_HASHSIZE; ++slot) {
    const ev_watcher_list *p;
    int n = 0;
    for (p = st->hash[slot]; p; p = p->next) {
      const ev_stat *w = (const ev_stat *)p;
      if (w->active != 1 || w->wd < 0 ||
          ((unsigned)w->wd & (STAT_HASHSIZE - 1)) != (unsigned)slot ||
          ++n > 1000000)
        evix__misuse("ev_verify", "stat watcher list %d is corrupt "
                                  "(watcher %p: active=%d wd=%d)",
                     slot, (void *)w, w->active, w->wd);
    }
  }
}
