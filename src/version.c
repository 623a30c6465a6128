/* version.c - what the library says about itself. */
#include "evix-internal.h"

int
ev_version_major(void) EV_NOEXCEPT
{
  return EV_VERSION_MAJOR;
}

int
ev_version_minor(void) EV_NOEXCEPT
{
  return EV_VERSION_MINOR;
}

const char *
evix_version(void)
{
  return PACKAGE_VERSION;
}
