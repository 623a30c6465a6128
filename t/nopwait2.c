/* nopwait2.c - an LD_PRELOAD object that makes epoll_pwait2 fail with
 * ENOSYS, as on a kernel older than 5.11 or in a sandbox that refuses the
 * call.  t/pwait2_fallback.sh runs t/timer_precision with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <time.h>

int
epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
             const struct timespec *timeout, const sigset_t *sigmask)
{
  (void)epfd;
  (void)events;
  (void)maxevents;
  (void)timeout;
  (void)sigmask;
  errno = ENOSYS;
  return -1;
}
