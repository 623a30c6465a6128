/* error.c - how evix reports misuse and failed system calls.
 *
 * Misuse (a negative fd, a watcher without callback, ...) is a bug in the
 * caller; continuing would corrupt the loop, so evix names the call and the
 * mistake and aborts, as libev's assertions do.  A failed system call the
 * loop cannot recover from goes to the ev_set_syserr_cb callback, which may
 * fix the cause and return (the loop then retries) or not return.
 */
#include "evix-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void (*syserr_cb)(const char *msg) EV_NOEXCEPT;

void
ev_set_syserr_cb(void (*cb)(const char *msg) EV_NOEXCEPT) EV_NOEXCEPT
{
  syserr_cb = cb;
}

void
evix__syserr(const char *msg)
{
  if (syserr_cb) {
    syserr_cb(msg);
    return;
  }
  perror(msg);
  abort();
}

void
evix__misuse(const char *func, const char *fmt, ...)
{
  va_list ap;

  fprintf(stderr, "evix: %s: ", func);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  abort();
}
