/* event_init.c - event_init, alone in its object file.
 *
 * Some programs (curvedns, unclutter-xfixes) define a function named
 * event_init of their own.  Kept apart from the other event_* functions,
 * ours is only linked in statically when a program actually calls it, so
 * such a program can still link libevix.a and use event_base_new.
 */
#include "event-internal.h"

void *
event_init(void)
{
  /* The default loop is handed out once; later calls get fresh loops. */
  if (evix__event_current)
    evix__event_current = (struct event_base *)ev_loop_new(EVFLAG_AUTO);
  else
    evix__event_current = (struct event_base *)ev_default_loop(EVFLAG_AUTO);
  return evix__event_current;
}
