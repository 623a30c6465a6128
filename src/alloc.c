/* alloc.c - all of evix's memory goes through one replaceable function.
 *
 * ev_set_allocator installs a realloc-like function for the whole process.
 * The loop allocates only flat arrays (fd table, timer heap, pending
 * queues, watcher lists) and grows them by doubling, so starting and
 * stopping watchers costs no allocation once the arrays are large enough.
 */
#include "evix-internal.h"

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

void *
evix__grow(void *base, int *max, int need, size_t elem, int zero)
{
  int old = *max;
  long n = old > 0 ? old : 4;

  while (n < need)
    n *= 2;
  if (n > 0x7fffffff / (long)elem)
    evix__misuse("evix", "array of %d elements of %zu bytes is too large",
                 need, elem);
  base = evix__realloc(base, n * (long)elem);
  if (zero)
    memset((char *)base + (size_t)old * elem, 0, (size_t)(n - old) * elem);
  *max = (int)n;
  return base;
}
