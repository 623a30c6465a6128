/* clockshim.c - an LD_PRELOAD object that moves the wall clock.
 *
 * t/periodic_clock_jump loads this in front of the C library and then
 * calls clockshim_set_offset() (found with dlsym) to make the wall clock
 * jump, without touching the real system clock.  Every way a program
 * reads the wall clock is shifted: clock_gettime(CLOCK_REALTIME*),
 * gettimeofday() and time().  Other clocks pass through unchanged, so the
 * monotonic clock keeps its pace and timers keep measuring real time.
 *
 * The real clocks are read with raw system calls: that needs no lookup of
 * the next definition (dlsym may itself read the clock) and works the same
 * whether or not a sanitizer runtime interposes these functions first.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

void clockshim_set_offset(double seconds);
double clockshim_get_offset(void);

/* Nanoseconds added to the wall clock; written by the test thread only,
 * read with relaxed atomics so that readers on other threads are fine. */
static long long shift_ns;

void
clockshim_set_offset(double seconds)
{
  __atomic_store_n(&shift_ns, (long long)(seconds * 1e9), __ATOMIC_RELAXED);
}

double
clockshim_get_offset(void)
{
  return __atomic_load_n(&shift_ns, __ATOMIC_RELAXED) / 1e9;
}

static int
real_clock(clockid_t clk, struct timespec *ts)
{
  return (int)syscall(SYS_clock_gettime, clk, ts);
}

static void
shift(struct timespec *ts)
{
  long long ns = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
  ns += __atomic_load_n(&shift_ns, __ATOMIC_RELAXED);
  ts->tv_sec = (time_t)(ns / 1000000000LL);
  ts->tv_nsec = (long)(ns % 1000000000LL);
  if (ts->tv_nsec < 0) {
    ts->tv_nsec += 1000000000L;
    --ts->tv_sec;
  }
}

int
clock_gettime(clockid_t clk, struct timespec *ts)
{
  int r = real_clock(clk, ts);
  if (r == 0 && (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE))
    shift(ts);
  return r;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
  struct timespec ts;
  struct timeval *out = tv;

  (void)tz;
  if (real_clock(CLOCK_REALTIME, &ts) != 0)
    return -1;
  shift(&ts);
  out->tv_sec = ts.tv_sec;
  out->tv_usec = ts.tv_nsec / 1000;
  return 0;
}

time_t
time(time_t *t)
{
  struct timespec ts;

  if (real_clock(CLOCK_REALTIME, &ts) != 0)
    return (time_t)-1;
  shift(&ts);
  if (t)
    *t = ts.tv_sec;
  return ts.tv_sec;
}
