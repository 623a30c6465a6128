/* evix.h - evix's own additions to the libev interface.
 *
 * Programs that only want libev's API include <ev.h>.  This header adds
 * what only evix has; everything it declares starts with evix_.
 */
#ifndef EVIX_H
#define EVIX_H

#include "ev.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The evix release, e.g. "0.1.0" (ev_version_major/minor report the libev
 * interface version, 4.33). */
extern const char *evix_version(void);

/* ---- blocking through a wrapper -------------------------------------------
 *
 * A host runtime with a global lock (Ruby's GVL) must release it while the
 * loop blocks in the kernel, and only then.  libev's release/acquire
 * callbacks cannot express "call this function with the lock released";
 * a wait wrapper can.  When the loop is about to block (a wait longer than
 * zero), it calls wrapper(loop, wait, arg, data) instead of waiting itself;
 * the wrapper must call wait(arg) at most once, from the same thread, and
 * return.  wait() only makes the system call: no callbacks run and no loop
 * state changes inside it, so it may run without the host's lock.  If the
 * wrapper returns without calling wait(), the iteration goes on as if the
 * wait had been interrupted by a signal.  NULL removes the wrapper.
 *
 * Setting a wrapper also gives the loop its wake-up channel, so that
 * evix_wake() may then be called from anywhere. */
typedef void (*evix_wait_fn)(void *arg);
typedef void (*evix_wait_wrapper)(struct ev_loop *loop, evix_wait_fn wait,
                                  void *arg, void *data);
extern void evix_set_wait_wrapper(struct ev_loop *loop,
                                  evix_wait_wrapper wrapper, void *data);

/* Makes a wait of loop that is in progress (or the next one) return at
 * once.  Safe from any thread and from signal handlers, once the loop has
 * a wake-up channel (after evix_set_wait_wrapper, ev_async_start or
 * ev_signal_start); otherwise it does nothing. */
extern void evix_wake(struct ev_loop *loop);

#ifdef __cplusplus
}
#endif

#endif
