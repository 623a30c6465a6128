/* backend_select.c - which backend a loop gets: the backend query
 * functions, the flags argument of ev_loop_new / ev_default_loop, and the
 * LIBEV_FLAGS environment variable.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef EVIX_TEST_IOURING
#include <linux/io_uring.h>
#include <sys/syscall.h>
#endif

extern struct ev_loop *ev_default_loop_ptr;

static const char *bn; /* backend name of the current round */

static int timer_fired;

static void
timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  if (revents & EV_TIMER)
    ++timer_fired;
}

/* Backend of ev_loop_new(flags), 0 when it returns NULL.  The loop is
 * also run once, so that a wrongly set up backend shows. */
static unsigned int
backend_of(unsigned int flags, int *works)
{
  struct ev_loop *loop = ev_loop_new(flags);
  unsigned int be;
  ev_timer t;

  if (works)
    *works = 0;
  if (!loop)
    return 0;
  be = ev_backend(loop);
  timer_fired = 0;
  ev_timer_init(&t, timer_cb, 0., 0.);
  ev_timer_start(loop, &t);
  ev_run(loop, 0);
  if (works)
    *works = timer_fired == 1;
  ev_loop_destroy(loop);
  return be;
}

/* Whether evix under test has a kqueue backend: only in the test build
 * with the kqueue emulation (configure --enable-kqueue-emulation), which
 * defines EVIX_TEST_KQUEUE for the tests; libev never has one here. */
static int
expect_kqueue(void)
{
#ifdef EVIX_TEST_KQUEUE
  return !test_on_libev();
#else
  return 0;
#endif
}

#ifdef EVIX_TEST_IOURING
static void
try_ring(void *arg)
{
  struct io_uring_params p;

  (void)arg;
  memset(&p, 0, sizeof p);
  if (syscall(__NR_io_uring_setup, 4, &p) < 0)
    _exit(1);
}
#endif

/* Whether evix under test has an io_uring backend (configure found the
 * kernel header: EVIX_TEST_IOURING) and this kernel lets a process make a
 * ring.  Asked once, by a child that tries: closing a ring has side
 * effects on the thread that made it. */
static int
expect_iouring(void)
{
#ifdef EVIX_TEST_IOURING
  static int known = -1;

  if (known < 0) {
    struct child_result res;
    run_in_child(try_ring, NULL, 10., &res);
    known = res.exited && res.status == 0;
    if (!known)
      diag("this kernel refuses io_uring");
  }
  return !test_on_libev() && known;
#else
  return 0;
#endif
}

static void
test_queries(void)
{
  unsigned int sup = ev_supported_backends();
  unsigned int rec = ev_recommended_backends();
  unsigned int emb = ev_embeddable_backends();

  if (test_on_libev())
    is_hex(sup, 0x87, "ev_supported_backends() is select|poll|epoll|io_uring "
           "[%s]", TEST_IMPL);
  else if (expect_kqueue() || expect_iouring())
    is_hex(sup, 0x07u | (expect_kqueue() ? (unsigned)EVBACKEND_KQUEUE : 0u) |
                    (expect_iouring() ? (unsigned)EVBACKEND_IOURING : 0u),
           "ev_supported_backends() is select|poll|epoll%s%s [%s]",
           expect_kqueue() ? "|kqueue (emulated)" : "",
           expect_iouring() ? "|io_uring" : "", TEST_IMPL);
  else
    is_hex(sup, 0x07, "ev_supported_backends() is select|poll|epoll [%s]",
           TEST_IMPL);
  is_hex(rec, 0x07, "ev_recommended_backends() is select|poll|epoll [%s]",
         TEST_IMPL);
  is_hex(emb, 0xAC, "ev_embeddable_backends() is epoll|kqueue|port|io_uring "
         "[%s]", TEST_IMPL);
  is_hex(rec & ~sup, 0, "recommended backends are all supported [%s]",
         TEST_IMPL);
  is_hex(sup & ~EVBACKEND_ALL, 0, "supported backends are EVBACKEND_* bits "
         "[%s]", TEST_IMPL);
}

static void
test_auto_choice(void)
{
  int works;
  /* libev's order: kqueue before epoll when both are allowed. */
  unsigned int all_want = expect_kqueue() ? EVBACKEND_KQUEUE : EVBACKEND_EPOLL;

  is_hex(backend_of(EVFLAG_NOENV, &works), EVBACKEND_EPOLL, "flags 0 chooses "
         "epoll [%s]", TEST_IMPL);
  ok(works, "the automatically chosen loop works [%s]", TEST_IMPL);
  is_hex(backend_of(EVFLAG_AUTO | EVFLAG_NOENV, NULL), EVBACKEND_EPOLL,
         "EVFLAG_AUTO chooses epoll [%s]", TEST_IMPL);
  is_hex(backend_of(EVBACKEND_POLL | EVBACKEND_SELECT | EVFLAG_NOENV, &works),
         EVBACKEND_POLL, "POLL|SELECT chooses poll [%s]", TEST_IMPL);
  ok(works, "that poll loop works [%s]", TEST_IMPL);
  is_hex(backend_of(EVBACKEND_EPOLL | EVBACKEND_POLL | EVBACKEND_SELECT
                    | EVFLAG_NOENV, NULL),
         EVBACKEND_EPOLL, "EPOLL|POLL|SELECT chooses epoll [%s]", TEST_IMPL);
  is_hex(backend_of(EVBACKEND_EPOLL | EVBACKEND_SELECT | EVFLAG_NOENV, NULL),
         EVBACKEND_EPOLL, "EPOLL|SELECT chooses epoll [%s]", TEST_IMPL);
  if (expect_kqueue())
    is_hex(backend_of(EVBACKEND_KQUEUE | EVBACKEND_SELECT | EVFLAG_NOENV,
                      NULL),
           EVBACKEND_KQUEUE, "KQUEUE|SELECT chooses kqueue [%s]", TEST_IMPL);
  else
    is_hex(backend_of(EVBACKEND_KQUEUE | EVBACKEND_SELECT | EVFLAG_NOENV,
                      NULL),
           EVBACKEND_SELECT, "KQUEUE|SELECT falls back to select [%s]",
           TEST_IMPL);
  is_hex(backend_of((EVBACKEND_ALL & ~EVBACKEND_IOURING) | EVFLAG_NOENV,
                    NULL),
         all_want, "all backends but io_uring chooses %s [%s]",
         backend_name(all_want), TEST_IMPL);

  if (test_on_libev()) {
    /* libev tries io_uring before epoll when it is allowed explicitly; it
     * falls back to epoll where the kernel refuses io_uring. */
    if (backend_of(EVBACKEND_IOURING | EVFLAG_NOENV, NULL) ==
        EVBACKEND_IOURING)
      all_want = EVBACKEND_IOURING;
    else
      diag("io_uring is refused here; libev falls back to epoll");
  } else if (expect_iouring()) {
    /* The same order in evix; kqueue, where it exists, comes first. */
    is_hex(backend_of(EVBACKEND_IOURING | EVFLAG_NOENV, &works),
           EVBACKEND_IOURING, "EVBACKEND_IOURING alone gives io_uring [%s]",
           TEST_IMPL);
    ok(works, "that io_uring loop works [%s]", TEST_IMPL);
    if (!expect_kqueue())
      all_want = EVBACKEND_IOURING;
  } else {
    is_hex(backend_of(EVBACKEND_IOURING | EVFLAG_NOENV, NULL), 0,
           "EVBACKEND_IOURING alone: no io_uring here, ev_loop_new "
           "returns NULL [%s]", TEST_IMPL);
  }
  is_hex(backend_of(EVBACKEND_ALL | EVFLAG_NOENV, NULL), all_want,
         "EVBACKEND_ALL chooses %s [%s]", backend_name(all_want), TEST_IMPL);
  is_hex(backend_of(EVBACKEND_MASK | EVFLAG_NOENV, NULL), all_want,
         "EVBACKEND_MASK chooses %s [%s]", backend_name(all_want), TEST_IMPL);
}

static void
test_missing_backends(void)
{
  static const struct {
    unsigned int flag;
    const char *name;
  } missing[] = {
    { EVBACKEND_KQUEUE, "kqueue" },
    { EVBACKEND_DEVPOLL, "devpoll" },
    { EVBACKEND_PORT, "port" },
    { EVBACKEND_LINUXAIO, "linuxaio" },
    { 0x100, "unknown bit 0x100" },
  };
  size_t i;

  for (i = 0; i < sizeof missing / sizeof missing[0]; ++i) {
    struct ev_loop *loop;
    if (missing[i].flag == EVBACKEND_KQUEUE && expect_kqueue())
      continue; /* present: tested per backend */
    loop = ev_loop_new(missing[i].flag | EVFLAG_NOENV);
    ok(loop == NULL, "ev_loop_new(%s) returns NULL: not on this system "
       "[%s]", missing[i].name, TEST_IMPL);
    if (loop)
      ev_loop_destroy(loop);
  }

  ok(ev_default_loop(EVBACKEND_DEVPOLL | EVFLAG_NOENV) == NULL,
     "ev_default_loop(DEVPOLL) returns NULL [%s]", TEST_IMPL);
  ok(ev_default_loop_ptr == NULL, "a failed ev_default_loop leaves "
     "ev_default_loop_ptr NULL [%s]", TEST_IMPL);
}

static void
test_libev_flags(void)
{
  struct ev_loop *d;
  int works;

  setenv("LIBEV_FLAGS", "1", 1);
  is_hex(backend_of(EVBACKEND_EPOLL, &works), EVBACKEND_SELECT,
         "LIBEV_FLAGS=1 forces select even over explicit EVBACKEND_EPOLL "
         "[%s]", TEST_IMPL);
  ok(works, "that select loop works [%s]", TEST_IMPL);
  is_hex(backend_of(0, NULL), EVBACKEND_SELECT, "LIBEV_FLAGS=1 with flags 0 "
         "gives select [%s]", TEST_IMPL);
  is_hex(backend_of(EVBACKEND_EPOLL | EVFLAG_NOENV, NULL), EVBACKEND_EPOLL,
         "EVFLAG_NOENV ignores LIBEV_FLAGS=1 [%s]", TEST_IMPL);
  is_hex(backend_of(EVFLAG_NOENV, NULL), EVBACKEND_EPOLL,
         "EVFLAG_NOENV alone ignores it too and chooses epoll [%s]",
         TEST_IMPL);

  setenv("LIBEV_FLAGS", "2", 1);
  is_hex(backend_of(0, NULL), EVBACKEND_POLL, "LIBEV_FLAGS=2 gives poll "
         "[%s]", TEST_IMPL);
  is_hex(backend_of(EVBACKEND_SELECT, NULL), EVBACKEND_POLL,
         "LIBEV_FLAGS=2 overrides explicit EVBACKEND_SELECT [%s]", TEST_IMPL);

  setenv("LIBEV_FLAGS", "3", 1);
  is_hex(backend_of(EVBACKEND_EPOLL, NULL), EVBACKEND_POLL,
         "LIBEV_FLAGS=3 (poll|select) gives poll [%s]", TEST_IMPL);

  setenv("LIBEV_FLAGS", "4", 1);
  is_hex(backend_of(EVBACKEND_SELECT, NULL), EVBACKEND_EPOLL,
         "LIBEV_FLAGS=4 gives epoll over explicit EVBACKEND_SELECT [%s]",
         TEST_IMPL);

  setenv("LIBEV_FLAGS", "0x2", 1);
  is_hex(backend_of(EVBACKEND_SELECT, NULL), EVBACKEND_EPOLL,
         "LIBEV_FLAGS=0x2 is read as decimal 0, i.e. automatic: epoll [%s]",
         TEST_IMPL);

  setenv("LIBEV_FLAGS", "", 1);
  is_hex(backend_of(EVBACKEND_SELECT, NULL), EVBACKEND_EPOLL,
         "an empty LIBEV_FLAGS counts as 0 (automatic) [%s]", TEST_IMPL);

  setenv("LIBEV_FLAGS", "8", 1);
  if (expect_kqueue())
    is_hex(backend_of(EVBACKEND_EPOLL, NULL), EVBACKEND_KQUEUE,
           "LIBEV_FLAGS=8 gives kqueue [%s]", TEST_IMPL);
  else
    is_hex(backend_of(EVBACKEND_EPOLL, NULL), 0, "LIBEV_FLAGS=8 (kqueue) "
           "makes ev_loop_new return NULL [%s]", TEST_IMPL);
  is_hex(backend_of(EVBACKEND_POLL | EVFLAG_NOENV, NULL), EVBACKEND_POLL,
         "with EVFLAG_NOENV LIBEV_FLAGS=8 is ignored [%s]", TEST_IMPL);

  /* The default loop reads it too. */
  setenv("LIBEV_FLAGS", "2", 1);
  d = ev_default_loop(0);
  ok(d != NULL, "ev_default_loop(0) with LIBEV_FLAGS=2 works [%s]",
     TEST_IMPL);
  if (d) {
    is_hex(ev_backend(d), EVBACKEND_POLL, "the default loop honours "
           "LIBEV_FLAGS=2 [%s]", TEST_IMPL);
    ev_loop_destroy(d);
  }

  unsetenv("LIBEV_FLAGS");
  is_hex(backend_of(0, NULL), EVBACKEND_EPOLL, "with LIBEV_FLAGS unset "
         "flags 0 is epoll again [%s]", TEST_IMPL);

  /* Set-id programs must ignore LIBEV_FLAGS, but a test cannot make
   * itself set-id without privileges it should not have. */
  skip("a test cannot make itself a set-id process", "set-id processes "
       "ignore LIBEV_FLAGS [%s]", TEST_IMPL);
}

/* ---- each backend on request ------------------------------------------- */

static void
per_backend(const struct test_backend *b)
{
  int works;

  bn = b->name;
  is_hex(backend_of(b->flag | EVFLAG_NOENV, &works), b->flag,
         "the %s flag alone gives that backend [%s]", bn, bn);
  ok(works, "a loop on it runs a timer [%s]", bn);
  is_hex(backend_of(b->flag | EVFLAG_NOENV | EVFLAG_NOINOTIFY
                    | EVFLAG_SIGNALFD | EVFLAG_NOSIGMASK | EVFLAG_NOTIMERFD
                    | EVFLAG_FORKCHECK,
                    &works),
         b->flag, "EVFLAG_* bits do not change the backend [%s]", bn);
  ok(works, "that loop runs a timer too [%s]", bn);
  ok(ev_supported_backends() & b->flag, "it is among the supported "
     "backends [%s]", bn);

  setenv("LIBEV_FLAGS", b->flag == EVBACKEND_SELECT ? "2" : "1", 1);
  is_hex(backend_of(b->flag | EVFLAG_NOENV, NULL), b->flag,
         "EVFLAG_NOENV keeps the requested backend despite LIBEV_FLAGS "
         "[%s]", bn);
  unsetenv("LIBEV_FLAGS");
}

int
main(void)
{
  tap_start(60);
  unsetenv("LIBEV_FLAGS");
  test_queries();
  test_auto_choice();
  test_missing_backends();
  test_libev_flags();
  for_each_backend(per_backend);
  return 0;
}
