/* tap.h - a small Test Anything Protocol producer for evix's tests.
 *
 * Every test program prints a TAP stream on stdout (line buffered, so
 * diagnostics stay in order under the tap-driver's --merge).  The plan is
 * lazy: the "1..N" line is printed at exit, after the last test.  The exit
 * status is the number of failed tests, capped at 255.
 */
#ifndef EVIX_TAP_H
#define EVIX_TAP_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TAP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define TAP_NORETURN __attribute__((noreturn))
#else
#define TAP_PRINTF(f, a)
#define TAP_NORETURN
#endif

/* Starts the stream: line-buffers stdout, registers the plan printer and
 * arms a watchdog that bails out after `seconds` (0: no watchdog). */
void tap_start(unsigned int seconds);

/* Each returns the truth of the check, so callers can add diagnostics. */
int ok(int cond, const char *fmt, ...) TAP_PRINTF(2, 3);
int is_int(long long got, long long want, const char *fmt, ...)
    TAP_PRINTF(3, 4);
int is_hex(unsigned long long got, unsigned long long want, const char *fmt,
           ...) TAP_PRINTF(3, 4);
int is_double(double got, double want, double eps, const char *fmt, ...)
    TAP_PRINTF(4, 5);
int is_str(const char *got, const char *want, const char *fmt, ...)
    TAP_PRINTF(3, 4);

/* A test that was not run, with the reason. */
void skip(const char *reason, const char *fmt, ...) TAP_PRINTF(2, 3);

/* Skips the whole program: prints "1..0 # SKIP reason" and exits 0.
 * Only valid before any test was printed. */
void skip_all(const char *fmt, ...) TAP_PRINTF(1, 2) TAP_NORETURN;

/* A "# ..." comment line. */
void diag(const char *fmt, ...) TAP_PRINTF(1, 2);

/* "Bail out! ..." and exit 255. */
void bail(const char *fmt, ...) TAP_PRINTF(1, 2) TAP_NORETURN;

/* Number of tests printed so far and number failed. */
int tap_count(void);
int tap_failed(void);

#ifdef __cplusplus
}
#endif

#endif
