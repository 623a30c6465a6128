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
 * heap, and the heap is half as deep.  MEASURED-PLACEHOLDER
 * EVIX_HEAP_ARITY=2 builds the binary variant for that comparison.
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

/* Moves node k away from the root until no child is earlier. */
static inline void
evix__heap_down(struct evix_heap_node *heap, int end, int k)
{
  struct evix_heap_node he = heap[k];

  for (;;) {
    int c = EVIX_HEAP_CHILD(k);
    int best, i;

    if (c >= end)
      break;
    best = c;
#if EVIX_HEAP_D == 4
    /* Unrolled for the common case of four children present. */
    if (EVIX_LIKELY(c + 3 < end)) {
      int b1 = heap[c + 1].at < heap[c].at ? c + 1 : c;
      int b2 = heap[c + 3].at < heap[c + 2].at ? c + 3 : c + 2;
      best = heap[b2].at < heap[b1].at ? b2 : b1;
    } else
#endif
    {
      for (i = c + 1; i < c + EVIX_HEAP_D && i < end; ++i)
        if (heap[i].at < heap[best].at)
          best = i;
    }
    if (he.at <= heap[best].at)
      break;
    heap[k] = heap[best];
    heap[k].w->active = k;
    k = best;
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
