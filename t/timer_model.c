/* timer_model.c - random timer operations checked against a model.
 *
 * A seeded random sequence of starts, stops, ev_timer_again calls, repeat
 * changes, time updates and non-blocking iterations runs on up to 2000
 * timers.  The test keeps its own model of every timer (active or not, its
 * absolute monotonic expiry, its repeat) and after each iteration checks
 * the library against it: which timers fired (exactly those that expired
 * before the loop's time), in which order, how repeating ones re-armed,
 * and that the heap is sound (ev_verify).
 *
 * The loop's monotonic "now" is read through a long-running probe timer:
 * for an active timer, at - ev_timer_remaining() is that time.
 *
 * EVIX_TEST_SEED=n picks the random sequence; the seed is printed.
 * EVIX_TEST_MODEL_OPS=n changes the number of operations per backend.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTIMERS 2000
#define DEFAULT_OPS 100000
#define DEFAULT_SEED 20240521u
#define EPS 1e-9

/* ---- random numbers (splitmix64: small, and the same everywhere) ----- */

static unsigned long long rng_state;

static unsigned long long
rng_next(void)
{
  unsigned long long z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static unsigned int
rng_below(unsigned int n)
{
  return (unsigned int)(rng_next() % n);
}

/* Uniform in [lo, hi]. */
static double
rng_range(double lo, double hi)
{
  double unit = (double)(rng_next() >> 11) / 9007199254740992.0; /* 2^53 */
  return lo + (hi - lo) * unit;
}

static double
random_after(void)
{
  return rng_range(-0.001, 0.020);
}

static double
random_repeat(void)
{
  return rng_below(2) ? 0. : rng_range(0.001, 0.010);
}

/* ---- the model --------------------------------------------------------- */

struct mtimer {
  ev_timer t;
  int id;
  /* model state */
  int active;
  double expiry;   /* absolute, valid while active */
  double repeat;
  /* per-iteration bookkeeping */
  double pre_expiry; /* expiry before the iteration */
  int pre_active;
  int fired;         /* calls in this iteration */
  int touched;       /* stopped or restarted by a callback this iteration */
  int restarted;     /* restarted by its own callback */
};

static struct mtimer tm[NTIMERS];
static ev_timer probe;
static struct ev_loop *mloop;

/* Callback log of one iteration. */
static int fire_log[NTIMERS * 2];
static int fire_len;

/* Failure counters, one per checked property. */
enum {
  F_ORDER,      /* callbacks not in expiry order */
  F_TWICE,      /* a timer called twice in one iteration */
  F_STOPPED,    /* an inactive or stopped timer was called */
  F_THRESHOLD,  /* fired iff expiry < loop time violated */
  F_REARM,      /* repeating timer re-armed wrongly / one-shot still active */
  F_STATE,      /* ev_is_active disagrees with the model */
  F_COUNT,      /* number of active timers disagrees */
  F_AT,         /* at or remaining of an untouched timer changed */
  F_START,      /* start/again/stop produced an unexpected at */
  F_MAX
};

static const char *const fail_name[F_MAX] = {
  "callbacks arrive in non-decreasing order of their expiry",
  "no timer is called twice in one iteration",
  "stopped timers are never called",
  "exactly the timers whose expiry is before the loop time fire",
  "repeating timers re-arm to max(expiry + repeat, now), one-shots stop",
  "every timer's active state matches the model",
  "the number of active timers matches the model",
  "untouched timers keep their expiry",
  "start, stop and again set at as documented",
};

static int fails[F_MAX];

static void
fail(int kind, const char *fmt, double a, double b)
{
  if (fails[kind]++ < 3) {
    char msg[256];
    snprintf(msg, sizeof msg, fmt, a, b);
    diag("    %s: %s", fail_name[kind], msg);
  }
}

/* The loop's monotonic now, read through the probe timer. */
static double
loop_now(void)
{
  return probe.at - ev_timer_remaining(mloop, &probe);
}

static int
near(double a, double b)
{
  return a >= b - EPS && a <= b + EPS;
}

/* ---- callbacks ----------------------------------------------------------- */

static void
model_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  struct mtimer *m = (struct mtimer *)w;
  unsigned int dice;

  (void)revents;
  if (fire_len < (int)(sizeof fire_log / sizeof fire_log[0]))
    fire_log[fire_len++] = m->id;
  if (m->fired++)
    fail(F_TWICE, "called %g times, expiry %.9f", (double)m->fired,
         m->pre_expiry);
  if (!m->pre_active || m->touched)
    fail(F_STOPPED, "timer with expiry %.9f called (touched %g)",
         m->pre_expiry, (double)m->touched);

  /* Some callbacks act on the loop, as real programs do. */
  dice = rng_below(16);
  if (dice == 0) {
    /* Stop another timer; if it was due, it must not run any more. */
    struct mtimer *o = &tm[rng_below(NTIMERS)];
    if (o != m) {
      ev_timer_stop(loop, &o->t);
      o->touched = 1;
      o->restarted = 0;
    }
  } else if (dice == 1 && m->repeat == 0.) {
    /* Restart itself, possibly already expired: still not again in this
     * iteration. */
    double after = random_after();
    ev_timer_set(w, after, 0.);
    ev_timer_start(loop, w);
    m->restarted = 1;
    m->touched = 1;
  }
}

static void
probe_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
  bail("the probe timer fired");
}

/* ---- operations ------------------------------------------------------- */

static void
op_start(struct mtimer *m)
{
  if (m->active) {
    /* Starting an active timer does nothing. */
    double at = m->t.at;
    ev_timer_start(mloop, &m->t);
    if (m->t.at != at)
      fail(F_START, "start on active timer moved at from %.9f to %.9f", at,
           m->t.at);
    return;
  }
  {
    double after = random_after();
    double now = loop_now();
    m->repeat = random_repeat();
    ev_timer_set(&m->t, after, m->repeat);
    ev_timer_start(mloop, &m->t);
    m->active = 1;
    m->expiry = m->t.at;
    if (!near(m->expiry, now + after))
      fail(F_START, "started at %.9f, expected loop now + after = %.9f",
           m->expiry, now + after);
  }
}

static void
op_stop(struct mtimer *m)
{
  double now = loop_now();
  double at = m->t.at;

  ev_timer_stop(mloop, &m->t);
  if (m->active) {
    if (!near(m->t.at, m->expiry - now))
      fail(F_START, "after stop at is %.9f, expected remaining %.9f",
           m->t.at, m->expiry - now);
  } else if (m->t.at != at) {
    fail(F_START, "stop on inactive timer changed at %.9f to %.9f", at,
         m->t.at);
  }
  m->active = 0;
}

static void
op_again(struct mtimer *m)
{
  double now = loop_now();
  double at = m->t.at;

  ev_timer_again(mloop, &m->t);
  if (m->repeat > 0.) {
    if (!near(m->t.at, now + m->repeat))
      fail(F_START, "again set at %.9f, expected now + repeat %.9f",
           m->t.at, now + m->repeat);
    m->active = 1;
    m->expiry = m->t.at;
  } else if (m->active) {
    m->active = 0;
  } else if (m->t.at != at) {
    fail(F_START, "again on inactive repeat-0 timer changed at %.9f to %.9f",
         at, m->t.at);
  }
}

static void
op_set_repeat(struct mtimer *m)
{
  double at = m->t.at;
  m->repeat = random_repeat();
  m->t.repeat = m->repeat;
  if (m->t.at != at)
    fail(F_AT, "writing repeat changed at %.9f to %.9f", at, m->t.at);
}

/* One non-blocking iteration, then every check. */
static void
op_run(int *total_fired)
{
  int i, n_active = 0;
  double now, max_fired = -1e300, min_unfired = 1e300;

  for (i = 0; i < NTIMERS; ++i) {
    tm[i].pre_active = tm[i].active;
    tm[i].pre_expiry = tm[i].expiry;
    tm[i].fired = tm[i].touched = tm[i].restarted = 0;
  }
  fire_len = 0;
  ev_run(mloop, EVRUN_NOWAIT);
  now = loop_now();
  *total_fired += fire_len;

  for (i = 1; i < fire_len; ++i) {
    const struct mtimer *a = &tm[fire_log[i - 1]], *b = &tm[fire_log[i]];
    if (b->pre_expiry < a->pre_expiry)
      fail(F_ORDER, "expiry %.9f called after %.9f", b->pre_expiry,
           a->pre_expiry);
  }

  for (i = 0; i < NTIMERS; ++i) {
    struct mtimer *m = &tm[i];
    int lib_active = ev_is_active(&m->t) ? 1 : 0;

    if (m->pre_active && !m->touched) {
      if (m->fired) {
        if (!(m->pre_expiry < now + EPS))
          fail(F_THRESHOLD, "fired with expiry %.9f >= loop time %.9f",
               m->pre_expiry, now);
        if (m->pre_expiry > max_fired)
          max_fired = m->pre_expiry;
      } else {
        if (!(m->pre_expiry >= now - EPS))
          fail(F_THRESHOLD, "expiry %.9f < loop time %.9f did not fire",
               m->pre_expiry, now);
        if (m->pre_expiry < min_unfired)
          min_unfired = m->pre_expiry;
      }
    }

    /* Bring the model up to date. */
    if (m->touched) {
      if (m->restarted) {
        m->active = 1;
        m->expiry = m->t.at;
      } else {
        m->active = 0;
      }
    } else if (m->fired) {
      if (m->repeat > 0.) {
        double want = m->pre_expiry + m->repeat;
        if (want < now)
          want = now;
        if (!lib_active || !near(m->t.at, want))
          fail(F_REARM, "repeating timer re-armed to %.9f, expected %.9f",
               m->t.at, want);
        m->expiry = m->t.at;
      } else {
        if (lib_active || !(m->t.at < 0.) ||
            !near(m->t.at, m->pre_expiry - now))
          fail(F_REARM, "fired one-shot has at %.9f, expected %.9f",
               m->t.at, m->pre_expiry - now);
        m->active = 0;
      }
    } else if (m->active && m->t.at != m->expiry) {
      fail(F_AT, "unfired timer's at moved from %.9f to %.9f", m->expiry,
           m->t.at);
    }

    if (lib_active != m->active)
      fail(F_STATE, "ev_is_active %g, model %g", (double)lib_active,
           (double)m->active);
    n_active += lib_active;
  }
  if (max_fired >= min_unfired)
    fail(F_THRESHOLD, "a timer with expiry %.9f fired but one with %.9f not",
         max_fired, min_unfired);
  {
    int want = 0;
    for (i = 0; i < NTIMERS; ++i)
      want += tm[i].active;
    if (n_active != want)
      fail(F_COUNT, "%g active timers, model says %g", (double)n_active,
           (double)want);
  }
  ev_verify(mloop);
}

static unsigned long long base_seed;
static long n_ops;

static void
run_backend(const struct test_backend *b)
{
  const char *be = b->name;
  long op;
  int i, k, runs = 0, total_fired = 0, max_active = 0;
  double t0 = mono_now();

  mloop = test_loop_new(b->flag);
  rng_state = base_seed;
  memset(fails, 0, sizeof fails);

  /* A timer that never fires, to read the loop's monotonic now. */
  ev_timer_init(&probe, probe_cb, 1e4, 0.);
  ev_timer_start(mloop, &probe);

  for (i = 0; i < NTIMERS; ++i) {
    memset(&tm[i], 0, sizeof tm[i]);
    tm[i].id = i;
    ev_timer_init(&tm[i].t, model_cb, 0., 0.);
  }

  for (op = 0; op < n_ops; ++op) {
    unsigned int r = rng_below(1000);
    struct mtimer *m = &tm[rng_below(NTIMERS)];

    if (r < 330)
      op_start(m);
    else if (r < 480)
      op_stop(m);
    else if (r < 630)
      op_again(m);
    else if (r < 730)
      op_set_repeat(m);
    else if (r < 790) {
      /* ev_timer_remaining agrees with the model. */
      double rem = ev_timer_remaining(mloop, &m->t);
      double want = m->active ? m->expiry - loop_now() : m->t.at;
      if (!near(rem, want))
        fail(F_AT, "ev_timer_remaining %.9f, expected %.9f", rem, want);
    } else if (r < 797)
      ev_now_update(mloop);
    else if (r < 799)
      ev_sleep(rng_range(0.0005, 0.003));
    else {
      op_run(&total_fired);
      ++runs;
      k = 0;
      for (i = 0; i < NTIMERS; ++i)
        k += tm[i].active;
      if (k > max_active)
        max_active = k;
    }
  }

  /* Drain: stop repeating timers, let everything else expire. */
  for (i = 0; i < NTIMERS; ++i)
    if (tm[i].repeat > 0.)
      op_stop(&tm[i]);
  for (k = 0; k < 100; ++k) {
    int left = 0;
    for (i = 0; i < NTIMERS; ++i)
      left += tm[i].active;
    if (!left)
      break;
    ev_sleep(0.005);
    op_run(&total_fired);
    ++runs;
  }

  diag("%ld operations, %d iterations, %d callbacks, up to %d active "
       "timers, %.2f s [%s]", n_ops, runs, total_fired, max_active,
       mono_now() - t0, be);
  ok(total_fired > 1000, "the random sequence fired many timers (%d) [%s]",
     total_fired, be);
  for (k = 0; k < F_MAX; ++k)
    is_int(fails[k], 0, "%s [%s]", fail_name[k], be);

  ev_timer_stop(mloop, &probe);
  for (i = 0; i < NTIMERS; ++i)
    ev_timer_stop(mloop, &tm[i].t);
  ev_verify(mloop);
  ev_loop_destroy(mloop);
  mloop = NULL;
}

int
main(void)
{
  const char *s = getenv("EVIX_TEST_SEED");
  const char *o = getenv("EVIX_TEST_MODEL_OPS");

  tap_start(60);
  base_seed = s && *s ? strtoull(s, NULL, 0) : DEFAULT_SEED;
  n_ops = o && *o ? strtol(o, NULL, 0) : DEFAULT_OPS;
  if (n_ops < 1)
    n_ops = DEFAULT_OPS;
  diag("seed %llu (set EVIX_TEST_SEED to repeat or vary), %ld operations "
       "per backend", base_seed, n_ops);
  for_each_backend(run_backend);
  return 0;
}
