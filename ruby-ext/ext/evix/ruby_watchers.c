/* ruby_watchers.c - the watcher classes beyond Evix::IO and Evix::Timer. */
#include "evix_ext.h"

void
evix_rb_init_watchers(void)
{
}
