/* stat.h - the loop's hooks into ev_stat's inotify state (stat.c).
 *
 * Each loop has at most one inotify descriptor, made the first time an
 * ev_stat watcher starts (never with EVFLAG_NOINOTIFY).  The loop calls
 * the first two functions at the points where that descriptor must be made
 * again or given back; ev_verify calls the third.
 */
#ifndef EVIX_STAT_H
#define EVIX_STAT_H

#include "evix-internal.h"

/* In the child after a fork (ev_loop_fork or EVFLAG_FORKCHECK), before fd
 * changes are applied: the inherited inotify descriptor is shared with the
 * parent, so a new one is made and every watch is added to it again.  Does
 * nothing if the loop never used inotify. */
void evix__stat_fork(struct ev_loop *loop);

/* From ev_loop_destroy: closes the inotify descriptor and frees the state.
 * Safe before or after the fd table is freed, and on a loop that never
 * used inotify. */
void evix__stat_free(struct ev_loop *loop);

/* ev_verify: every watcher in the wd hash is active and in its slot. */
void evix__stat_verify(struct ev_loop *loop);

#endif
