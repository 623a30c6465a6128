/* heap.h - the timer queue: an implicit d-ary min-heap in a flat array.
 *
 * Node k's children are D*(k - EVIX_HEAP0) + EVIX_HEAP0 + 1 ... + D, its
 * parent is (k - EVIX_HEAP0 - 1) / D + EVIX_HEAP0, the root sits at
 * EVIX_HEAP0 = D - 1, and a heap of n nodes occupies slots
 * EVIX_HEAP0 .. EVIX_HEAP0 + n - 1.  Each watcher's `active` field holds its
 * slot, so a watcher can be removed or re-keyed in O(log n) without search.
 * Each node caches its watcher's deadline, so sifting touches only this
 * array.
 *
 * Why 4-ary with cached deadlines: with 16-byte nodes and the root at slot
 * 3, the four children of a node fill one 64-byte cache line, so a
 * sift-down step costs one cache miss instead of two levels of a binary
 * heap, and the heap is half as deep.  Measured with bench/timers, the
 * same build with EVIX_HEAP_ARITY=2 and 4 run alternately (ns per
 * operation, medians of 5): start 10^4 timers 16.3 (binary) vs 10.3
 * (4-ary), ev_timer_again 10^5 20.8 vs 13.4, stop 10^6 40.6 vs 27.4, fire
 * 10^6 452 vs 247.  The deadline is cached in the node so that scanning
 * the children reads only the heap array, not four watchers elsewhere in
 * memory (a design choice; no uncached variant was built to compare).
 */
#ifndef EVIX_HEAP_H
#define EVIX_HEAP_H

#include "evix-internal.h"

#ifndef EVIX_HEAP_ARITY
#define EVIX_HEAP_ARITY 4
#endif
#define EVIX_HEAP_D EVIX_HEAP_ARITY
#define EVIX_HEAP0 (EVIX_HEAP_D - 1)
#define EVIX_HEAP_PARENT(k) ((((k) - EVIX_HEAP0 - 1) / EVIX_HEAP_D) + EVIX_HEAP0)
#define EVIX_HEAP_CHILD(k) (EVIX_HEAP_D * ((k) - EVIX_HEAP0) + EVIX_HEAP0 + 1)

/* Moves node k towards the root until its parent is not later.  `end` is
 * one past the last used slot. */
static inline void
evix__heap_up(struct evix_heap_node *heap, int k)
{
  struct evix_heap_node he = heap[k];

  while (k > EVIX_HEAP0) {
    int p = EVIX_HEAP_PARENT(k);
    if (heap[p].at <= he.at)
      break;
    heap[k] = heap[p];
    heap[k].w->active = k;
    k = p;
  }
  heap[k] = he;
  he.w->active = k;
}

/* Moves node k away from the root until no child is earlier.  `end` is one
 * past the last used slot. */
static inline void
evix__heap_down(struct evix_heap_node *heap, int end, int k)
{
  struct evix_heap_node he = heap[k];
  const struct evix_heap_node *last = heap + end;

  for (;;) {
    const struct evix_heap_node *c = heap + EVIX_HEAP_CHILD(k);
    const struct evix_heap_node *min;
    ev_tstamp minat;

    if (EVIX_LIKELY(c + EVIX_HEAP_D <= last)) {
      /* All children present: a straight scan the compiler can turn into
       * conditional moves. */
      int i;
      min = c;
      minat = c->at;
      for (i = 1; i < EVIX_HEAP_D; ++i)
        if (c[i].at < minat) {
          min = c + i;
          minat = c[i].at;
        }
    } else if (c < last) {
      min = c;
      minat = c->at;
      for (++c; c < last; ++c)
        if (c->at < minat) {
          min = c;
          minat = c->at;
        }
    } else {
      break;
    }
    if (he.at <= minat)
      break;
    heap[k] = *min;
    min->w->active = k;
    k = (int)(min - heap);
  }
  heap[k] = he;
  he.w->active = k;
}

/* Node k's deadline changed in either direction. */
static inline void
evix__heap_adjust(struct evix_heap_node *heap, int end, int k)
{
  if (k > EVIX_HEAP0 && heap[EVIX_HEAP_PARENT(k)].at > heap[k].at)
    evix__heap_up(heap, k);
  else
    evix__heap_down(heap, end, k);
}

/* 1 if the heap property holds for slots EVIX_HEAP0 .. end - 1 and every
 * node's watcher knows its slot; otherwise 0 and *bad is the first bad
 * slot. */
static inline int
evix__heap_valid(const struct evix_heap_node *heap, int end, int *bad)
{
  int k;
  for (k = EVIX_HEAP0; k < end; ++k) {
    if (heap[k].w->active != k || heap[k].at != heap[k].w->at ||
        (k > EVIX_HEAP0 && heap[EVIX_HEAP_PARENT(k)].at > heap[k].at)) {
      *bad = k;
      return 0;
    }
  }
  return 1;
}

#endif
