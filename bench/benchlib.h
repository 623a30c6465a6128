/* benchlib.h - helpers shared by the benchmark programs.
 *
 * The libev-API programs (pipe_ring.c, timers.c, loop_overhead.c) are built
 * twice: against evix, and with EVIX_BENCH_LIBEV defined against the system
 * libev.  pipe_ring_raw.c uses no event library at all.  Nothing in this
 * header depends on <ev.h>, so every program can share it.
 *
 * Every program prints one line per measurement, "NAME VALUE UNIT", for
 * bench/run.sh to collect; lines starting with '#' are notes for humans.
 */
#ifndef EVIX_BENCHLIB_H
#define EVIX_BENCHLIB_H

#include <stddef.h>
#include <stdint.h>

/* The library a libev-API program was built against. */
#ifdef EVIX_BENCH_LIBEV
#define BENCH_IMPL "libev"
#else
#define BENCH_IMPL "evix"
#endif

/* ---- program setup and output -------------------------------------------- */

struct bench_opts {
  int quick; /* -q: small counts, for a smoke run */
};

/* Parses the command line (-q, -h), arms a watchdog that kills the
 * program after `watchdog_s` seconds, so a hang can never stall a run, and
 * notes which implementation (`impl`) is measured. */
void bench_init(int argc, char **argv, const char *impl, const char *usage,
                unsigned int watchdog_s, struct bench_opts *opts);

/* Names the program in bench_fail's messages (bench_init does this for
 * programs that let it parse their command line). */
void bench_set_name(const char *argv0);

/* Prints one result line: "name value unit". */
void bench_metric(const char *name, double value, const char *unit);

/* Prints a "# ..." note line. */
void bench_note(const char *fmt, ...)
  __attribute__((format(printf, 1, 2)));

/* Prints "PROGRAM: message" on stderr and exits with status 1. */
void bench_fail(const char *fmt, ...)
  __attribute__((format(printf, 1, 2), noreturn));

/* malloc that fails the benchmark instead of returning NULL. */
void *bench_alloc(size_t size);

/* The median of v[0..n-1], n > 0; sorts v in place.  Programs that time
 * several batches report the median batch, so that one batch disturbed by
 * other work on the machine does not move the result. */
double bench_median(double *v, int n);

/* ---- time and randomness ------------------------------------------------- */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* A fixed-seed generator, so evix and libev get the same sequences. */
void bench_seed(uint64_t seed);
uint64_t bench_rand(void);
double bench_rand_double(void); /* uniform in [0, 1) */
void bench_shuffle(uint32_t *v, size_t n);

/* ---- processors ---------------------------------------------------------- */

/* Fills `cpus` (room for `max`) with the CPUs this process may run on, in
 * ascending order, and returns how many it found. */
int bench_cpus(int *cpus, int max);

/* Binds the calling thread, and only it, to one CPU. */
void bench_pin_thread(int cpu);

/* ---- descriptors --------------------------------------------------------- */

/* Sets O_NONBLOCK or fails the benchmark. */
void bench_set_nonblock(int fd);

/* The name of an EVBACKEND_* value ("epoll", "io_uring", ...), for the
 * "# backend NAME" note that run.sh shows.  The values are libev's ABI, so
 * this needs no <ev.h>. */
const char *bench_backend_name(unsigned int backend);

/* Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft
 * limit. */
long bench_raise_nofile(void);

/* The "pipe ring": n non-blocking pipes where reading a byte from pipe i
 * passes it on to pipe i+1 (mod n).  The bookkeeping lives here so that the
 * library programs and the raw epoll floor do exactly the same work per
 * event; only the way readiness is detected differs. */
struct ring {
  int n;        /* number of pipes */
  int *rfd;     /* read ends */
  int *wfd;     /* write ends */
  long target;  /* read events that make up the current pass */
  long fired;   /* read events handled in this pass */
  long sent;    /* bytes written in this pass */
};

/* Pipe counts the ring supports given the descriptor limit: at most
 * `wanted`, leaving `reserve` descriptors for everything else. */
int ring_max_pipes(int wanted, int reserve);

void ring_open(struct ring *r, int n);
void ring_close(struct ring *r);

/* Starts a pass of `events` read events with `active` messages travelling
 * at once (evenly spaced around the ring). */
void ring_start(struct ring *r, int active, long events);

/* Handles readability of pipe i: reads one byte and, while the pass still
 * needs more events, writes one byte to the next pipe.  Returns 1 once the
 * pass is complete. */
int ring_step(struct ring *r, int i);

/* One pipe-ring case.  The list is shared by pipe_ring.c and
 * pipe_ring_raw.c so that the floor measures exactly the same cases. */
struct ring_case {
  int n;        /* pipes */
  int active;   /* messages travelling at once */
  long events;  /* read events in the timed pass */
  long warmup;  /* read events in the untimed pass before it */
};

/* Fills `out` (room for `max`) with the cases to run and returns how many.
 * Ring sizes are clamped to what the descriptor limit allows, leaving
 * `reserve` descriptors for the program and the loop. */
int ring_cases(const struct bench_opts *opts, int reserve,
               struct ring_case *out, int max);

/* "pipe_n100_a1" style metric name for a case, with a prefix. */
void ring_case_name(char *buf, size_t size, const char *prefix,
                    const struct ring_case *c);

/* ---- ev_async cases ----------------------------------------------------- */

/* Shared by async.c and its floor async_raw.c so that both do the same
 * amount of work.  Each measurement runs one untimed warm-up batch (a tenth
 * of the size for the send loops) and then times `batches` batches. */
struct async_counts {
  long pending_sends;  /* per batch, sends while one is pending */
  int pending_batches;
  long flood_sends;    /* per batch, sends in the flood */
  int flood_batches;
  long trips_1cpu;     /* per batch, ping-pong round trips, one cpu */
  long trips_2cpu;     /* per batch, two cpus: each trip is much slower */
  int pingpong_batches;
};

void async_counts(const struct bench_opts *opts, struct async_counts *c);

#endif
