/* benchlib.c - helpers shared by the benchmark programs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* pipe2, sched_getaffinity */
#endif

#include "benchlib.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char *prog_name = "bench";

void
bench_set_name(const char *argv0)
{
  if (argv0 != NULL) {
    const char *slash = strrchr(argv0, '/');
    prog_name = slash != NULL ? slash + 1 : argv0;
  }
}

void
bench_init(int argc, char **argv, const char *impl, const char *usage,
           unsigned int watchdog_s, struct bench_opts *opts)
{
  int i;

  if (argc > 0)
    bench_set_name(argv[0]);
  memset(opts, 0, sizeof *opts);
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quick") == 0) {
      opts->quick = 1;
    } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      printf("usage: %s [-q]\n%s\n"
             "  -q  quick mode: small counts, for a smoke run\n",
             prog_name, usage);
      exit(0);
    } else {
      fprintf(stderr, "%s: unknown argument '%s' (try -h)\n", prog_name,
              argv[i]);
      exit(2);
    }
  }

  /* The default action of SIGALRM terminates the process, which is all a
   * watchdog needs; run.sh reports the non-zero status. */
  alarm(watchdog_s);

  /* Results go to a pipe when run.sh collects them: flush each line so a
   * killed program still leaves what it measured. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  bench_note("impl %s%s", impl, opts->quick ? " (quick)" : "");
}

void
bench_metric(const char *name, double value, const char *unit)
{
  printf("%s %.2f %s\n", name, value, unit);
}

void
bench_note(const char *fmt, ...)
{
  va_list ap;

  fputs("# ", stdout);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fputc('\n', stdout);
}

void
bench_fail(const char *fmt, ...)
{
  va_list ap;

  fflush(stdout);
  fprintf(stderr, "%s: ", prog_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

void *
bench_alloc(size_t size)
{
  void *p = malloc(size);

  if (p == NULL)
    bench_fail("out of memory (%zu bytes)", size);
  return p;
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

double
bench_median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

uint64_t
bench_now_ns(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: tiny, fast and good enough to scatter timer deadlines. */
static uint64_t rand_state = 0x9e3779b97f4a7c15u;

void
bench_seed(uint64_t seed)
{
  rand_state = seed != 0 ? seed : 0x9e3779b97f4a7c15u;
}

uint64_t
bench_rand(void)
{
  rand_state ^= rand_state >> 12;
  rand_state ^= rand_state << 25;
  rand_state ^= rand_state >> 27;
  return rand_state * 0x2545f4914f6cdd1du;
}

double
bench_rand_double(void)
{
  /* The top 53 bits fill a double's mantissa exactly. */
  return (double)(bench_rand() >> 11) * (1.0 / 9007199254740992.0);
}

void
bench_shuffle(uint32_t *v, size_t n)
{
  size_t i;

  for (i = n; i > 1; i--) {
    size_t j = (size_t)(bench_rand() % i);
    uint32_t t = v[i - 1];
    v[i - 1] = v[j];
    v[j] = t;
  }
}

int
bench_cpus(int *cpus, int max)
{
  cpu_set_t set;
  int cpu, n = 0;

  if (sched_getaffinity(0, sizeof set, &set) != 0)
    bench_fail("sched_getaffinity: %s", strerror(errno));
  for (cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++)
    if (CPU_ISSET(cpu, &set))
      cpus[n++] = cpu;
  return n;
}

void
bench_pin_thread(int cpu)
{
  cpu_set_t set;

  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  /* On Linux, pid 0 means the calling thread, not the whole process, so
   * this needs no pthread library. */
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    bench_fail("sched_setaffinity (cpu %d): %s", cpu, strerror(errno));
}

long
bench_raise_nofile(void)
{
  struct rlimit rl;

  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    bench_fail("getrlimit: %s", strerror(errno));
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    /* An unlimited hard limit is capped: the ring never needs that many. */
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576)
      rl.rlim_cur = 1048576;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
      getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur == RLIM_INFINITY ? 1048576 : (long)rl.rlim_cur;
}

int
ring_max_pipes(int wanted, int reserve)
{
  long fit = (bench_raise_nofile() - reserve) / 2;

  return fit < wanted ? (int)fit : wanted;
}

void
ring_open(struct ring *r, int n)
{
  int i;

  memset(r, 0, sizeof *r);
  r->n = n;
  r->rfd = bench_alloc((size_t)n * sizeof *r->rfd);
  r->wfd = bench_alloc((size_t)n * sizeof *r->wfd);
  for (i = 0; i < n; i++) {
    int fds[2];

    /* Non-blocking, so that a spurious wake-up can never block the ring. */
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
      bench_fail("pipe2 (pipe %d of %d): %s", i + 1, n, strerror(errno));
    r->rfd[i] = fds[0];
    r->wfd[i] = fds[1];
  }
}

void
ring_close(struct ring *r)
{
  int i;

  for (i = 0; i < r->n; i++) {
    close(r->rfd[i]);
    close(r->wfd[i]);
  }
  free(r->rfd);
  free(r->wfd);
  memset(r, 0, sizeof *r);
}

static void
ring_send(struct ring *r, int i)
{
  static const char byte = 'e';

  if (write(r->wfd[i], &byte, 1) != 1)
    bench_fail("write to pipe %d: %s", i, strerror(errno));
  r->sent++;
}

void
ring_start(struct ring *r, int active, long events)
{
  int k;

  if (active > r->n || active > events)
    bench_fail("ring: %d active messages need %d pipes and %ld events",
               active, active, events);
  r->target = events;
  r->fired = 0;
  r->sent = 0;
  for (k = 0; k < active; k++)
    ring_send(r, (int)((long)k * r->n / active));
}

int
ring_step(struct ring *r, int i)
{
  char byte;
  ssize_t got = read(r->rfd[i], &byte, 1);

  if (got != 1) {
    /* Level-triggered readiness with a single reader is never spurious,
     * but tolerate it rather than miscount. */
    if (got < 0 && errno == EAGAIN)
      return 0;
    bench_fail("read from pipe %d: %s", i,
               got < 0 ? strerror(errno) : "end of file");
  }
  r->fired++;
  if (r->sent < r->target)
    ring_send(r, i + 1 < r->n ? i + 1 : 0);
  return r->fired >= r->target;
}

int
ring_cases(const struct bench_opts *opts, int reserve, struct ring_case *out,
           int max)
{
  /* From a small ring that stays in cache up to as many pipes as the usual
   * 20000-descriptor hard limit allows (two descriptors per pipe). */
  static const int sizes[] = { 100, 1000, 9000 };
  static const int actives[] = { 1, 100 };
  long events = opts->quick ? 20000 : 200000;
  int limit = ring_max_pipes(9000, reserve);
  int count = 0, last_n = 0;
  size_t s, a;

  for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    int n = sizes[s] < limit ? sizes[s] : limit;

    if (n <= last_n)
      continue; /* clamped onto the previous size */
    last_n = n;
    for (a = 0; a < sizeof actives / sizeof actives[0]; a++) {
      if (actives[a] > n || count == max)
        continue;
      out[count].n = n;
      out[count].active = actives[a];
      out[count].events = events;
      /* The warm-up registers every descriptor with the kernel and lets
       * each message go round the ring at least once. */
      out[count].warmup = events / 10 > n ? events / 10 : n;
      count++;
    }
  }
  if (limit < 9000)
    bench_note("descriptor limit allows only %d pipes", limit);
  return count;
}

void
ring_case_name(char *buf, size_t size, const char *prefix,
               const struct ring_case *c)
{
  snprintf(buf, size, "%s_n%d_a%d", prefix, c->n, c->active);
}

void
async_counts(const struct bench_opts *opts, struct async_counts *c)
{
  int q = opts->quick;

  /* 10^7 sends per batch: the size the evix target is stated for. */
  c->pending_sends = q ? 1000000 : 10000000;
  c->pending_batches = q ? 3 : 5;
  c->flood_sends = q ? 1000000 : 10000000;
  c->flood_batches = 3;
  /* A round trip takes microseconds on one cpu, and several times that
   * across cpus on a virtual machine, where waking an idle cpu is slow. */
  c->trips_1cpu = q ? 2000 : 20000;
  c->trips_2cpu = q ? 500 : 4000;
  c->pingpong_batches = 3;
}

void
bench_set_nonblock(int fd)
{
  int fl = fcntl(fd, F_GETFL);

  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    bench_fail("fcntl(O_NONBLOCK): %s", strerror(errno));
}

const char *
bench_backend_name(unsigned int backend)
{
  switch (backend) {
  case 0x01: return "select";
  case 0x02: return "poll";
  case 0x04: return "epoll";
  case 0x08: return "kqueue";
  case 0x80: return "io_uring";
  default: return "other";
  }
}
