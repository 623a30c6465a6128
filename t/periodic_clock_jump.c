/* periodic_clock_jump.c - periodics follow wall-clock jumps, timers do not.
 *
 * The wall clock is moved by the clock shim (t/clockshim.c), loaded with
 * LD_PRELOAD: when the program starts without it, it runs itself again
 * with the shim preloaded (behind the sanitizer runtime, when the program
 * was built with one, since that runtime must come first).
 *
 * After a jump of +1 h or -1 h, once the loop has re-read the wall clock
 * (libev does so at most every 0.5 s of iterations; the shim does not
 * trigger the timerfd), an interval periodic's `at` is re-derived from
 * offset + N*interval against the new wall clock, an absolute periodic is
 * left alone, and an ev_timer still fires after its real (monotonic)
 * delay: neither early after a forward jump nor an hour late after a
 * backward one.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CLOCKSHIM_PATH
#define CLOCKSHIM_PATH "t/.libs/libclockshim.so"
#endif

extern char **environ;

static void (*set_offset)(double);
static const char *bn;
static unsigned int bflag;

/* ---- getting the shim loaded -------------------------------------------- */

/* A sanitizer runtime that insists on coming first in the link order. */
static int
find_runtime(struct dl_phdr_info *info, size_t size, void *data)
{
  char *out = data;
  const char *base = strrchr(info->dlpi_name, '/');

  (void)size;
  base = base ? base + 1 : info->dlpi_name;
  if (!out[0] && (!strncmp(base, "libasan.so", 10)
                  || !strncmp(base, "libtsan.so", 10)
                  || !strncmp(base, "libhwasan.so", 12)))
    snprintf(out, PATH_MAX, "%s", info->dlpi_name);
  return 0;
}

static void
reexec_with_shim(void)
{
  const char *shim = getenv("EVIX_CLOCKSHIM");
  const char *old = getenv("LD_PRELOAD");
  char runtime[PATH_MAX];
  char *preload, *asan;
  size_t len;
  char *argv[2];

  if (!shim || !*shim)
    shim = CLOCKSHIM_PATH;
  if (access(shim, R_OK) != 0)
    skip_all("clock shim %s not found (set EVIX_CLOCKSHIM)", shim);
  runtime[0] = 0;
  dl_iterate_phdr(find_runtime, runtime);

  len = strlen(runtime) + strlen(shim) + (old ? strlen(old) : 0) + 4;
  preload = malloc(len);
  if (!preload)
    bail("out of memory");
  snprintf(preload, len, "%s%s%s%s%s", runtime, runtime[0] ? ":" : "", shim,
           old && *old ? ":" : "", old && *old ? old : "");
  setenv("LD_PRELOAD", preload, 1);
  setenv("EVIX_CLOCKSHIM_ACTIVE", "1", 1);
  if (runtime[0]) {
    /* Belt and braces: the runtime is first anyway. */
    const char *ao = getenv("ASAN_OPTIONS");
    len = (ao ? strlen(ao) : 0) + 40;
    asan = malloc(len);
    if (asan) {
      snprintf(asan, len, "%s%sverify_asan_link_order=0", ao ? ao : "",
               ao && *ao ? ":" : "");
      setenv("ASAN_OPTIONS", asan, 1);
    }
  }
  fflush(NULL);
  argv[0] = (char *)"periodic_clock_jump";
  argv[1] = NULL;
  execve("/proc/self/exe", argv, environ);
  skip_all("cannot re-run with the clock shim preloaded");
}

/* ---- watchers ----------------------------------------------------------- */

struct pprobe {
  ev_periodic w;
  int calls;
  int calls_in_new_frame;  /* calls whose ev_now is beyond the jump */
  int misaligned;
  double frame_edge;       /* ev_now on the far side of this is "new" */
  int backward;
};

static void
pprobe_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
  struct pprobe *p = (struct pprobe *)w;
  double now = ev_now(loop), at = ev_periodic_at(w);

  (void)revents;
  ++p->calls;
  if (p->backward ? now < p->frame_edge : now > p->frame_edge)
    ++p->calls_in_new_frame;
  if (w->interval > 0.) {
    double n = (at - w->offset) / w->interval;
    if (!(at > now) || at - w->interval > now + 1e-6
        || fabs(n - floor(n + 0.5)) > 1e-3)
      ++p->misaligned;
  }
}

struct tprobe {
  ev_timer w;
  int calls;
  double mono;
};

static void
tprobe_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  struct tprobe *t = (struct tprobe *)w;
  (void)loop;
  (void)revents;
  ++t->calls;
  t->mono = mono_now();
}

static void
noop_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
}

static void
guard_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)revents;
  *(int *)w->data = 1;
}

/* ---- the jump ----------------------------------------------------------- */

static void
jump_test(double jump)
{
  struct ev_loop *loop = test_loop_new(bflag);
  const char *dir = jump > 0 ? "forward" : "backward";
  struct pprobe p10, p05, abs_p;
  struct tprobe t;
  ev_timer tick, guard;
  double now0, mono0, at_before, at_after, now_after, elapsed, n;
  int expired = 0, noticed;

  set_offset(0.);
  ev_now_update(loop);
  now0 = ev_now(loop);
  mono0 = mono_now();

  /* Next fire about 5 s ahead: it must not fire during the test. */
  memset(&p10, 0, sizeof p10);
  ev_periodic_init(&p10.w, pprobe_cb, fmod(now0 + 5., 10.), 10., 0);
  ev_periodic_start(loop, &p10.w);
  at_before = ev_periodic_at(&p10.w);

  memset(&p05, 0, sizeof p05);
  p05.backward = jump < 0;
  p05.frame_edge = now0 + jump / 2;
  ev_periodic_init(&p05.w, pprobe_cb, 0., 0.5, 0);
  ev_periodic_start(loop, &p05.w);

  /* Forward: half an hour ahead, so the jump passes it.  Backward: 3 s
   * ahead, which the clock no longer reaches during the test. */
  memset(&abs_p, 0, sizeof abs_p);
  ev_periodic_init(&abs_p.w, pprobe_cb, now0 + (jump > 0 ? 1800. : 3.), 0.,
                   0);
  ev_periodic_start(loop, &abs_p.w);

  memset(&t, 0, sizeof t);
  ev_timer_init(&t.w, tprobe_cb, 1.5, 0.);
  ev_timer_start(loop, &t.w);
  ev_timer_init(&tick, noop_timer_cb, 0.1, 0.1);
  ev_timer_start(loop, &tick);
  ev_timer_init(&guard, guard_cb, 8., 0.);
  guard.data = &expired;
  ev_timer_start(loop, &guard);

  set_offset(jump);
  ok(fabs(ev_time() - now0 - jump) < 5., "ev_time() follows the moved wall "
     "clock at once (%+.0fs) [%s]", ev_time() - now0, bn);

  /* Run until the timer fired, the loop noticed the jump and (backward)
   * the 0.5 s periodic fired twice on the new clock. */
  for (;;) {
    noticed = fabs(ev_now(loop) - now0 - jump) < 100.;
    if (expired || (t.calls && noticed
                    && (jump > 0 || p05.calls_in_new_frame >= 2)))
      break;
    ev_run(loop, EVRUN_ONCE);
  }
  elapsed = mono_now() - mono0;
  now_after = ev_now(loop);
  at_after = ev_periodic_at(&p10.w);

  ok(noticed, "the loop noticed the %s jump: ev_now moved by %+.1fs in "
     "%.1fs [%s]", dir, now_after - now0, elapsed, bn);
  is_int(t.calls, 1, "a 1.5s ev_timer fired across the %s jump [%s]", dir,
         bn);
  if (t.calls) {
    ok(t.mono - mono0 >= 1.49, "... not early (after %.3fs of real time) "
       "[%s]", t.mono - mono0, bn);
    ok(t.mono - mono0 < 5., "... and not late (%.3fs) [%s]", t.mono - mono0,
       bn);
  } else {
    skip("timer did not fire", "timer not early [%s]", bn);
    skip("timer did not fire", "timer not late [%s]", bn);
  }
  is_double(at_after - at_before, jump, 1e-3, "an interval periodic (10s) "
            "moved its at by the jump (%+.0fs) [%s]", jump, bn);
  n = (at_after - p10.w.offset) / 10.;
  ok(at_after > now_after && at_after - 10. <= now_after + 1e-6
     && fabs(n - floor(n + 0.5)) < 1e-3, "... it is offset + N*interval, the "
     "first after the new now [%s]", bn);
  is_int(p10.calls, 0, "... and it did not fire because of the jump [%s]",
         bn);
  if (jump < 0)
    ok(p05.calls_in_new_frame >= 2, "a 0.5s interval periodic keeps firing "
       "on the new, earlier clock (%d fires) instead of stalling for an "
       "hour [%s]", p05.calls_in_new_frame, bn);
  else
    ok(p05.calls >= 1, "a 0.5s interval periodic kept firing (%d) [%s]",
       p05.calls, bn);
  is_int(p05.misaligned, 0, "... every next at on its 0.5s grid, after now "
         "[%s]", bn);
  if (jump > 0) {
    is_int(abs_p.calls, 1, "an absolute periodic 30min ahead fired once "
           "when the clock jumped an hour forward [%s]", bn);
  } else {
    is_int(abs_p.calls, 0, "an absolute periodic 3s ahead did not fire "
           "after the clock went back an hour [%s]", bn);
    is_double(ev_periodic_at(&abs_p.w), now0 + 3., 1e-6, "... its at was "
              "not moved [%s]", bn);
  }

  set_offset(0.);
  ev_periodic_stop(loop, &p10.w);
  ev_periodic_stop(loop, &p05.w);
  ev_periodic_stop(loop, &abs_p.w);
  ev_timer_stop(loop, &t.w);
  ev_timer_stop(loop, &tick);
  ev_timer_stop(loop, &guard);
  ev_verify(loop);
  ev_loop_destroy(loop);
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  bflag = b->flag;
  jump_test(3600.);
  jump_test(-3600.);
}

int
main(void)
{
  /* Nothing is printed before a re-exec, and the new image starts its own
   * watchdog (exec keeps the pending alarm, tap_start re-arms it). */
  tap_start(60);
  *(void **)&set_offset = dlsym(RTLD_DEFAULT, "clockshim_set_offset");
  if (!set_offset) {
    if (getenv("EVIX_CLOCKSHIM_ACTIVE"))
      skip_all("LD_PRELOAD of the clock shim did not take effect");
    reexec_with_shim();
  }
  for_each_backend(per_backend);
  return 0;
}
