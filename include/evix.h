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

#ifdef __cplusplus
}
#endif

#endif
