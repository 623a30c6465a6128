/* fdsnap.h - which descriptors a library call opened, and what they are.
 *
 * Tests take a snapshot of /proc/self/fd before and after a call, then ask
 * for the descriptors that appeared and for their kind, as the link text
 * in /proc shows it ("anon_inode:[signalfd]", "anon_inode:[timerfd]",
 * "anon_inode:[eventfd]", "pipe:[...]").  Header-only, so every program
 * that needs it stays a single source file.
 */
#ifndef EVIX_FDSNAP_H
#define EVIX_FDSNAP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FDSNAP_MAX 4096

struct fdsnap {
  unsigned char open[FDSNAP_MAX];
};

static inline void
fdsnap_take(struct fdsnap *s)
{
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int self;

  memset(s, 0, sizeof *s);
  if (!d)
    return;
  self = dirfd(d);
  while ((e = readdir(d))) {
    int fd;
    if (e->d_name[0] == '.')
      continue;
    fd = atoi(e->d_name);
    if (fd != self && fd >= 0 && fd < FDSNAP_MAX)
      s->open[fd] = 1;
  }
  closedir(d);
}

/* Stores up to `max` descriptors open in `after` but not in `before`;
 * returns how many there are in all. */
static inline int
fdsnap_new(const struct fdsnap *before, const struct fdsnap *after,
           int *fds, int max)
{
  int fd, n = 0;
  for (fd = 0; fd < FDSNAP_MAX; ++fd)
    if (after->open[fd] && !before->open[fd]) {
      if (n < max)
        fds[n] = fd;
      ++n;
    }
  return n;
}

/* The /proc link text of `fd`, or "?" when it cannot be read. */
static inline const char *
fd_kind(int fd, char *buf, size_t len)
{
  char path[64];
  ssize_t r;

  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  r = readlink(path, buf, len - 1);
  if (r < 0) {
    snprintf(buf, len, "?");
    return buf;
  }
  buf[r] = 0;
  return buf;
}

#endif
