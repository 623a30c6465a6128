/* ruby_scheduler.c - the C parts of Evix::Scheduler. */
#include "evix_ext.h"

void
evix_rb_init_scheduler(void)
{
}
