/* alloc.c - all of evix's memory goes through one replaceable function.
 *
 * ev_set_allocator installs a realloc-like function for the whole process.
 * The loop allocates only flat arrays (fd table, timer heap, pending
 * queues, watcher lists) and grows them geometrically, so starting and
 * stopping watchers costs no allocation once the arrays are large enough.
 */
#include "evix-internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
default_alloc(void *ptr, long size) EV_NOEXCEPT
{
  if (size > 0)
    return realloc(ptr, (size_t)size);
  free(ptr);
  return NULL;
}

static void *(*alloc_fn)(void *ptr, long size) EV_NOEXCEPT = default_alloc;

void
ev_set_allocator(void *(*cb)(void *ptr, long size) EV_NOEXCEPT) EV_NOEXCEPT
{
  alloc_fn = cb;
}

void *
evix__realloc(void *ptr, long size)
{
  void *p = alloc_fn(ptr, size);

  if (EVIX_UNLIKELY(!p && size > 0)) {
    fprintf(stderr, "evix: cannot allocate %ld bytes, aborting.\n", size);
    fflush(stderr);
    abort();
  }
  return size > 0 ? p : NULL;
}

static long
next_size(int old, int need, size_t elem)
{
  long n = old > 0 ? old : 4;

  /* Double while small; beyond that grow by a quarter, so that a large
   * array (the fd table, the timer heap with 10^4 connections) wastes at
   * most a fifth of its size instead of up to half.  Amortised growth stays
   * O(1) per element. */
  while (n < need)
    n = n < 64 ? n * 2 : n + n / 4;
  if (n > (0x7fffffffL - 64) / (long)elem)
    evix__misuse("evix", "array of %d elements of %zu bytes is too large",
                 need, elem);
  return n;
}

void *
evix__grow(void *base, int *max, int need, size_t elem, int zero)
{
  int old = *max;
  long n = next_size(old, need, elem);

  base = evix__realloc(base, n * (long)elem);
  if (zero)
    memset((char *)base + (size_t)old * elem, 0, (size_t)(n - old) * elem);
  *max = (int)n;
  return base;
}

void *
evix__grow_aligned(void **mem, void *base, int *max, int need, size_t elem)
{
  int old = *max;
  long n = next_size(old, need, elem);
  size_t old_off = base ? (size_t)((char *)base - (char *)*mem) : 0;
  size_t new_off;
  char *p;

  p = evix__realloc(*mem, n * (long)elem + EVIX_CACHELINE);
  /* realloc keeps the bytes but not their offset from an aligned
   * address: move them if the aligned start moved. */
  new_off = (size_t)(-(uintptr_t)p & (EVIX_CACHELINE - 1));
  if (base && new_off != old_off)
    memmove(p + new_off, p + old_off, (size_t)old * elem);
  *mem = p;
  *max = (int)n;
  return p + new_off;
}
