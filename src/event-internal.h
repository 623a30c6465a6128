/* event-internal.h - what event.c and event_init.c share. */
#ifndef EVIX_EVENT_INTERNAL_H
#define EVIX_EVENT_INTERNAL_H

#include "config.h"

/* The functions event.h declares are exported; the library is otherwise
 * built with hidden visibility. */
#pragma GCC visibility push(default)
#include "event.h"
#pragma GCC visibility pop

/* The base that event_init returned last (NULL before the first call).
 * event_set records it in new events, and the functions without a base
 * argument use it.  Hidden, like everything not in the headers. */
extern struct event_base *evix__event_current;

#endif
