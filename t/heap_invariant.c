/* heap_invariant.c - unit test of the timer heap (src/heap.h).
 *
 * A seeded random sequence of inserts, removals, re-keys and pops runs
 * against the heap and against a plain array as the reference model.
 * After every operation the heap property and every watcher's slot are
 * checked; every pop must return the model's minimum.  Built once per
 * heap arity (EVIX_HEAP_ARITY 4, the library's, and 2).
 */
#include "heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define MAX_TIMERS 3000
#define OPS 200000

static struct evix_heap_node heap[EVIX_HEAP0 + MAX_TIMERS];
static int count;
static ev_timer timers[MAX_TIMERS];

static unsigned long long rng_state;

static unsigned int
rnd(unsigned int n)
{
  /* xorshift64*: reproducible across platforms, unlike rand(). */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (unsigned int)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

static void
insert(ev_timer *w, ev_tstamp at)
{
  int k = EVIX_HEAP0 + count++;
  w->at = at;
  heap[k].at = at;
  heap[k].w = (ev_watcher_time *)w;
  w->active = k;
  evix__heap_up(heap, k);
}

static void
remove_slot(int k)
{
  int last = EVIX_HEAP0 + --count;
  heap[k].w->active = 0;
  if (k < last) {
    heap[k] = heap[last];
    heap[k].w->active = k;
    evix__heap_adjust(heap, last, k);
  }
}

static void
rekey(ev_timer *w, ev_tstamp at)
{
  w->at = at;
  heap[w->active].at = at;
  evix__heap_adjust(heap, EVIX_HEAP0 + count, w->active);
}

static ev_tstamp
model_min(void)
{
  ev_tstamp m = 1e300;
  int i;
  for (i = 0; i < MAX_TIMERS; ++i)
    if (timers[i].active && timers[i].at < m)
      m = timers[i].at;
  return m;
}

static ev_tstamp
random_time(void)
{
  /* Few distinct values, so that equal deadlines are common. */
  return (ev_tstamp)rnd(5000) / 8.;
}

int
main(void)
{
  const char *seed_env = getenv("EVIX_TEST_SEED");
  unsigned long long seed = seed_env ? strtoull(seed_env, NULL, 0) : 20261123;
  int op, bad = -1, broken_at = -1, wrong_pops = 0, pops = 0, model_count = 0;
  int i;

  tap_start(120);
  rng_state = seed ? seed : 1;
  diag("heap arity %d, seed %llu (set EVIX_TEST_SEED to vary)",
       EVIX_HEAP_ARITY, seed);

  for (op = 0; op < OPS && broken_at < 0; ++op) {
    unsigned int choice = rnd(100);
    ev_timer *w = &timers[rnd(MAX_TIMERS)];

    if (choice < 40) {
      if (!w->active) {
        insert(w, random_time());
        ++model_count;
      }
    } else if (choice < 60) {
      if (w->active) {
        remove_slot(w->active);
        --model_count;
      }
    } else if (choice < 80) {
      if (w->active)
        rekey(w, random_time());
    } else if (count) {
      ev_tstamp want = model_min();
      ev_timer *top = (ev_timer *)heap[EVIX_HEAP0].w;
      ++pops;
      if (top->at != want)
        ++wrong_pops;
      /* Either expire it or re-arm it later, as timers_reify does. */
      if (choice & 1) {
        remove_slot(EVIX_HEAP0);
        --model_count;
      } else {
        rekey(top, top->at + (ev_tstamp)rnd(100) / 8.);
      }
    }
    if (count != model_count || !evix__heap_valid(heap, EVIX_HEAP0 + count,
                                                 &bad))
      broken_at = op;
  }

  ok(broken_at < 0, "heap property and slots hold after each of %d "
                    "operations", OPS);
  if (broken_at >= 0)
    diag("broken after operation %d at slot %d (count %d, model %d)",
         broken_at, bad, count, model_count);
  ok(pops > OPS / 10, "%d pops were checked", pops);
  is_int(wrong_pops, 0, "every pop returned the model's minimum");

  /* Drain: the remaining timers come out in non-decreasing order. */
  {
    ev_tstamp last = -1;
    int ordered = 1, n = count;
    while (count) {
      ev_tstamp at = heap[EVIX_HEAP0].at;
      if (at < last)
        ordered = 0;
      last = at;
      remove_slot(EVIX_HEAP0);
    }
    ok(ordered, "draining %d timers yields them in deadline order", n);
  }
  for (i = 0; i < MAX_TIMERS; ++i)
    if (timers[i].active)
      break;
  is_int(i, MAX_TIMERS, "every watcher is inactive after the drain");
  return 0;
}
