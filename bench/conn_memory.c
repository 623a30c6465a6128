/* conn_memory.c - library memory per idle connection.
 *
 * A server holds, per connection, one ev_io on the connection's socket and
 * one ev_timer for its idle timeout.  The watchers are the caller's memory;
 * what the library allocates on top (its per-fd table, the timer heap,
 * change lists, ...) is what this program measures, through a counting
 * allocator installed with ev_set_allocator:
 *
 *   mem_conn_nC = (bytes the library holds after starting C connections'
 *                  watchers and one ev_run(EVRUN_NOWAIT)
 *                  - bytes it held before) / C
 *
 * "Before" is an empty loop that has already run once, so that the loop's
 * own lazily made allocations are not charged to the connections.  Bytes
 * are the sizes the library asked for; malloc's own overhead is not
 * counted.  The connections are the two ends of socketpairs, each end its
 * own connection with one descriptor: nobody writes, so every watcher
 * stays idle.
 *
 * mem_conn_sweep is the mean of the same measure over many counts (see
 * below), which evens out where each count falls between two growth steps
 * of the library's arrays.  Quick mode measures the same counts: the whole
 * program takes well under a second.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* SOCK_NONBLOCK, SOCK_CLOEXEC */
#endif

#include <ev.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "benchlib.h"

/* Idle timeouts far longer than the program runs, with jitter so that the
 * heap does not hold identical keys. */
#define IDLE_TIMEOUT 30.0
#define IDLE_JITTER 10.0

/* Descriptors left for stdio and the loop's own. */
#define FD_RESERVE 64

/* mem_conn_sweep: the mean over SWEEP_STEPS counts per octave, spaced
 * evenly on a log scale, over SWEEP_OCTAVES octaves from SWEEP_MIN, which
 * ends just below 16 000 connections. */
#define SWEEP_MIN 1000
#define SWEEP_STEPS 8
#define SWEEP_OCTAVES 4
#define SWEEP_MAX 16000

/* ---- the counting allocator ---------------------------------------------- */

/* Each block starts with its requested size, so that a realloc or free
 * knows how much it gives back; the union keeps the caller's part aligned
 * as malloc would. */
union block_head {
  long size;
  max_align_t align;
};

static long live_bytes; /* requested and not yet freed */
static long peak_bytes; /* the most live_bytes has been since reset */
static long alloc_calls;

static void *
counting_alloc(void *ptr, long size)
{
  union block_head *old = ptr != NULL ? (union block_head *)ptr - 1 : NULL;
  union block_head *h;

  alloc_calls++;
  if (size <= 0) {
    /* The library frees with size 0, often with a NULL pointer. */
    if (old != NULL)
      live_bytes -= old->size;
    free(old);
    return NULL;
  }
  h = realloc(old, sizeof *h + (size_t)size);
  if (h == NULL)
    return NULL; /* the old block, if any, is untouched */
  live_bytes += size - (old != NULL ? h->size : 0);
  h->size = size;
  if (live_bytes > peak_bytes)
    peak_bytes = live_bytes;
  return h + 1;
}

/* ---- idle connections ---------------------------------------------------- */

/* One connection's watchers, in the caller's memory. */
struct conn {
  ev_io io;
  ev_timer idle;
};

static long unexpected_events;

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
  unexpected_events++;
}

static void
idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
  unexpected_events++;
}

/* Opens n descriptors (n even): the two ends of n / 2 socketpairs. */
static int *
open_ends(int n)
{
  int *fds = bench_alloc((size_t)n * sizeof *fds);
  int i;

  for (i = 0; i < n; i += 2)
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   fds + i) != 0)
      bench_fail("socketpair (%d of %d): %s", i / 2 + 1, n / 2,
                 strerror(errno));
  return fds;
}

static void
close_ends(int *fds, int n)
{
  int i;

  for (i = 0; i < n; i++)
    close(fds[i]);
  free(fds);
}

/* Starts `count` idle connections on a new loop over fds[0..count) and
 * returns the library's bytes per connection; notes the details when
 * `name` is not NULL. */
static double
measure(const int *fds, struct conn *conns, int count, const char *name)
{
  struct ev_loop *loop;
  long base, before, after, peak;
  int i;

  base = live_bytes;
  loop = ev_loop_new(EVFLAG_AUTO);
  if (loop == NULL)
    bench_fail("ev_loop_new failed");
  ev_run(loop, EVRUN_NOWAIT);
  before = live_bytes;
  peak_bytes = live_bytes;

  for (i = 0; i < count; i++) {
    struct conn *c = &conns[i];

    ev_io_init(&c->io, io_cb, fds[i], EV_READ);
    ev_io_start(loop, &c->io);
    ev_timer_init(&c->idle, idle_cb,
                  IDLE_TIMEOUT + IDLE_JITTER * bench_rand_double(), 0.);
    ev_timer_start(loop, &c->idle);
  }
  ev_run(loop, EVRUN_NOWAIT);
  after = live_bytes;
  peak = peak_bytes;
  if (unexpected_events != 0)
    bench_fail("%ld events on connections that should be idle",
               unexpected_events);
  if (name != NULL)
    bench_note("%s: empty loop %ld B, with the connections %ld B, peak %ld B",
               name, before - base, after - base, peak - base);

  for (i = 0; i < count; i++) {
    ev_timer_stop(loop, &conns[i].idle);
    ev_io_stop(loop, &conns[i].io);
  }
  ev_loop_destroy(loop);
  if (live_bytes != base)
    bench_fail("%ld B still allocated after ev_loop_destroy",
               live_bytes - base);
  return (double)(after - before) / (double)count;
}

int
main(int argc, char **argv)
{
  static const int sizes[] = { 1000, 10000 };
  struct bench_opts opts;
  struct conn *conns;
  int *fds, room, k, points = 0;
  double sum = 0;

  /* Before anything else: every block the library ever allocates must
   * carry the allocator's size header. */
  ev_set_allocator(counting_alloc);
  bench_init(argc, argv, BENCH_IMPL,
             "Library memory per idle connection (one ev_io and one\n"
             "ev_timer each), in bytes, via a counting ev_set_allocator.",
             60, &opts);
  bench_seed(42);

  /* One set of descriptors serves every measurement: each uses the lowest
   * `count` of them, as a fresh process would. */
  room = (int)(bench_raise_nofile() - FD_RESERVE) & ~1;
  if (room > SWEEP_MAX)
    room = SWEEP_MAX;
  if (room < 2)
    bench_fail("no descriptors to spare");
  fds = open_ends(room);
  conns = bench_alloc((size_t)room * sizeof *conns);

  for (k = 0; k < (int)(sizeof sizes / sizeof sizes[0]); k++) {
    char name[64];
    int count = sizes[k] <= room ? sizes[k] : room;

    if (count < sizes[k])
      bench_note("descriptor limit allows only %d connections", count);
    snprintf(name, sizeof name, "mem_conn_n%d", count);
    bench_metric(name, measure(fds, conns, count, name), "B/conn");
  }

  /* Arrays that grow geometrically waste a share of their room that
   * depends on where the count falls between two steps of growth, so a
   * single count can flatter either library.  Counts spread evenly over
   * whole octaves (on a log scale) average that out. */
  for (k = 0; k < SWEEP_OCTAVES * SWEEP_STEPS; k++) {
    int count = (int)(SWEEP_MIN * pow(2.0, (double)k / SWEEP_STEPS) + 0.5);

    if (count > room)
      break;
    sum += measure(fds, conns, count, NULL);
    points++;
  }
  if (points < SWEEP_OCTAVES * SWEEP_STEPS)
    bench_note("descriptor limit cuts the sweep to %d of %d counts", points,
               SWEEP_OCTAVES * SWEEP_STEPS);
  bench_metric("mem_conn_sweep", sum / points, "B/conn");

  free(conns);
  close_ends(fds, room);
  return 0;
}
