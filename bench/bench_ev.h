/* bench_ev.h - helpers for the benchmark programs written against the
 * libev API.  They use <ev.h>, which benchlib itself stays free of (its
 * raw floors link it without any event library). */
#ifndef EVIX_BENCH_EV_H
#define EVIX_BENCH_EV_H

#include <ev.h>

#include "benchlib.h"

/* ev_loop_new(EVFLAG_AUTO), or the program fails. */
static inline struct ev_loop *
bench_loop_new(void)
{
  struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);

  if (loop == NULL)
    bench_fail("ev_loop_new failed");
  return loop;
}

/* Notes the backend a new loop gets, for the table's header. */
static inline void
bench_note_backend(void)
{
  struct ev_loop *probe = bench_loop_new();

  bench_note("backend %s", bench_backend_name(ev_backend(probe)));
  ev_loop_destroy(probe);
}

#endif
