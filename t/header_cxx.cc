// header_cxx.cc - ev.h used from C++: the header compiles as C++, the
// C++ default arguments exist (ev_default_loop(), ev_loop_new(),
// ev_run(loop), ev_break(loop)), callbacks may be captureless lambdas,
// noexcept callbacks fit the hook setters, and a small loop runs.
#include <ev.h>

#include <cstdlib>

// The harness is C code without C++ linkage guards.
extern "C" {
#include "testlib.h"
}

static const char *bn; // backend name of the current round

static int fired;
static int broke_with_default;

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)w;
  (void)loop;
  if (revents & EV_TIMER)
    ++fired;
}

static void
break_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  broke_with_default = 1;
  ev_break(loop); // default: EVBREAK_ONE
}

// Hooks declared noexcept, as C++17 callers of the noexcept setters must.
static void *
cxx_alloc(void *ptr, long size) noexcept
{
  if (size)
    return std::realloc(ptr, static_cast<size_t>(size));
  std::free(ptr);
  return nullptr;
}

static int released;

static void
cxx_release(struct ev_loop *) noexcept
{
  ++released;
}

static void
cxx_acquire(struct ev_loop *) noexcept
{
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  struct ev_loop *loop = ev_loop_new(b->flag | EVFLAG_NOENV);
  if (!loop)
    bail("ev_loop_new(%s) failed", bn);

  // A plain callback and ev_run(loop) with its default flags.
  ev_timer t;
  fired = 0;
  ev_timer_init(&t, timer_cb, 0.01, 0.);
  ev_timer_start(loop, &t);
  int r = ev_run(loop);
  is_int(fired, 1, "ev_run(loop) with default flags ran the timer [%s]", bn);
  is_int(r, 0, "and returned 0 when nothing was left [%s]", bn);

  // A captureless lambda as callback.
  static int lambda_calls;
  lambda_calls = 0;
  ev_timer lt;
  ev_timer_init(&lt, [](struct ev_loop *, ev_timer *, int revents) {
    if (revents & EV_TIMER)
      ++lambda_calls;
  }, 0., 0.);
  ev_timer_start(loop, &lt);
  ev_run(loop, EVRUN_NOWAIT);
  is_int(lambda_calls, 1, "a lambda works as a watcher callback [%s]", bn);

  // ev_break(loop) defaults to EVBREAK_ONE.
  ev_timer br, longt;
  broke_with_default = 0;
  fired = 0;
  ev_timer_init(&br, break_cb, 0.01, 0.);
  ev_timer_init(&longt, timer_cb, 5., 0.);
  ev_timer_start(loop, &br);
  ev_timer_start(loop, &longt);
  double t0 = mono_now();
  r = ev_run(loop);
  ok(broke_with_default && mono_now() - t0 < 3.0, "ev_break(loop) with the "
     "default argument ended ev_run [%s]", bn);
  is_int(r, 1, "ev_run returned 1 with the 5s timer still active [%s]", bn);
  is_int(fired, 0, "the 5s timer did not fire [%s]", bn);
  ev_timer_stop(loop, &longt);

  // Watcher macros and priorities from C++.
  ev_idle idle;
  ev_idle_init(&idle, [](struct ev_loop *l, ev_idle *w, int) {
    ev_idle_stop(l, w);
  });
  ev_set_priority(&idle, 1);
  ev_idle_start(loop, &idle);
  ok(ev_is_active(&idle) && ev_priority(&idle) == 1, "ev_set_priority and "
     "ev_is_active work in C++ [%s]", bn);
  ev_run(loop);
  ok(!ev_is_active(&idle), "the idle lambda stopped itself [%s]", bn);

  // noexcept hooks fit ev_set_loop_release_cb.
  released = 0;
  ev_set_loop_release_cb(loop, cxx_release, cxx_acquire);
  ev_run(loop, EVRUN_NOWAIT);
  ok(released > 0, "noexcept release/acquire callbacks are called [%s]", bn);
  ev_set_loop_release_cb(loop, nullptr, nullptr);

  ev_verify(loop);
  ev_loop_destroy(loop);
}

int
main()
{
  tap_start(60);

  // Default arguments: ev_default_loop() and ev_loop_new().
  struct ev_loop *d = ev_default_loop();
  ok(d != nullptr && ev_is_default_loop(d), "ev_default_loop() without "
     "arguments gives the default loop [%s]", TEST_IMPL);
  ok(EV_DEFAULT_UC == d, "EV_DEFAULT_UC is usable from C++ [%s]",
     TEST_IMPL);
  struct ev_loop *n = ev_loop_new();
  ok(n != nullptr && n != d, "ev_loop_new() without arguments gives a new "
     "loop [%s]", TEST_IMPL);
  if (n)
    ev_loop_destroy(n);
  ev_loop_destroy(d);

  // A noexcept allocator fits ev_set_allocator (no loop exists now).
  ev_set_allocator(cxx_alloc);
  for_each_backend(per_backend);
  return 0;
}
