/* tap.c - see tap.h. */
#include "tap.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tests_run;
static int tests_failed;
static int plan_printed;
static pid_t owner_pid;

static void
print_plan(void)
{
  /* A forked child that returns through exit() must not print a plan. */
  if (plan_printed || getpid() != owner_pid)
    return;
  plan_printed = 1;
  printf("1..%d\n", tests_run);
  fflush(stdout);
  if (tests_failed)
    _exit(tests_failed > 254 ? 254 : tests_failed);
}

static void
on_alarm(int sig)
{
  static const char msg[] = "Bail out! watchdog: test took too long\n";
  (void)sig;
  if (write(STDOUT_FILENO, msg, sizeof msg - 1) < 0)
    _exit(255);
  _exit(255);
}

void
tap_start(unsigned int seconds)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  owner_pid = getpid();
  atexit(print_plan);
  if (seconds) {
    signal(SIGALRM, on_alarm);
    alarm(seconds);
  }
}

static int
report(int cond, const char *fmt, va_list ap)
{
  ++tests_run;
  if (!cond)
    ++tests_failed;
  printf("%sok %d - ", cond ? "" : "not ", tests_run);
  vprintf(fmt, ap);
  putchar('\n');
  return cond;
}

int
ok(int cond, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  report(cond, fmt, ap);
  va_end(ap);
  return cond;
}

int
is_int(long long got, long long want, const char *fmt, ...)
{
  va_list ap;
  int cond = got == want;
  va_start(ap, fmt);
  report(cond, fmt, ap);
  va_end(ap);
  if (!cond)
    diag("    got: %lld, expected: %lld", got, want);
  return cond;
}

int
is_hex(unsigned long long got, unsigned long long want, const char *fmt, ...)
{
  va_list ap;
  int cond = got == want;
  va_start(ap, fmt);
  report(cond, fmt, ap);
  va_end(ap);
  if (!cond)
    diag("    got: %#llx, expected: %#llx", got, want);
  return cond;
}

int
is_double(double got, double want, double eps, const char *fmt, ...)
{
  va_list ap;
  int cond = fabs(got - want) <= eps;
  va_start(ap, fmt);
  report(cond, fmt, ap);
  va_end(ap);
  if (!cond)
    diag("    got: %.9f, expected: %.9f (+-%g)", got, want, eps);
  return cond;
}

int
is_str(const char *got, const char *want, const char *fmt, ...)
{
  va_list ap;
  int cond = got && want ? strcmp(got, want) == 0 : got == want;
  va_start(ap, fmt);
  report(cond, fmt, ap);
  va_end(ap);
  if (!cond)
    diag("    got: \"%s\", expected: \"%s\"", got ? got : "(null)",
         want ? want : "(null)");
  return cond;
}

void
skip(const char *reason, const char *fmt, ...)
{
  va_list ap;
  ++tests_run;
  printf("ok %d - ", tests_run);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf(" # SKIP %s\n", reason);
}

void
skip_all(const char *fmt, ...)
{
  va_list ap;
  plan_printed = 1;
  printf("1..0 # SKIP ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
  exit(0);
}

void
diag(const char *fmt, ...)
{
  va_list ap;
  fflush(stdout);
  printf("# ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

void
bail(const char *fmt, ...)
{
  va_list ap;
  plan_printed = 1;
  printf("Bail out! ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
  exit(255);
}

int
tap_count(void)
{
  return tests_run;
}

int
tap_failed(void)
{
  return tests_failed;
}
