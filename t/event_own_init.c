/* event_own_init.c - a program that defines its own event_init (see
 * event_own_init_def.c) still links with the library and can use the
 * libevent emulation through event_base_new.
 *
 * The library must never call event_init itself: the program's function
 * would run instead (it interposes on the library's), so its call counter
 * has to stay at zero however the emulation is used.
 */
#define _GNU_SOURCE
#include "testlib.h"

#if defined(EVIX_TEST_LIBEV) && defined(__has_include)
#if !__has_include(<event.h>) || __has_include(<event2/event.h>)
#define NO_LIBEV_EVENT_H 1
#endif
#endif

#ifndef NO_LIBEV_EVENT_H
#include <event.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* From event_own_init_def.c. */
int own_event_init_calls(void);
int call_own_event_init(void);

struct seen {
  int calls;
  int res;
};

static void
seen_cb(int fd, short res, void *arg)
{
  struct seen *s = (struct seen *)arg;

  (void)fd;
  ++s->calls;
  s->res = res;
}

static void
run_backend(const struct test_backend *b)
{
  const char *be = b->name;
  struct event_base *base;
  struct event io, tm;
  struct seen r, t, o;
  struct timeval tv;
  char num[16];
  int p[2];
  double end;

  /* event_base_new reads LIBEV_FLAGS, which puts it on this backend. */
  snprintf(num, sizeof num, "%u", b->flag);
  setenv("LIBEV_FLAGS", num, 1);
  base = event_base_new();
  unsetenv("LIBEV_FLAGS");
  if (!ok(base != NULL,
          "event_base_new works beside the program's event_init [%s]", be))
    return;
  is_hex(ev_backend((struct ev_loop *)base), b->flag,
         "the base is on the requested backend [%s]", be);

  make_pipe(p);
  memset(&r, 0, sizeof r);
  memset(&t, 0, sizeof t);
  memset(&o, 0, sizeof o);
  event_set(&io, p[0], EV_READ, seen_cb, &r);
  ok(io.ev_base == NULL,
     "event_set: no base, the library's event_init never ran [%s]", be);
  event_base_set(base, &io);
  tv.tv_sec = 5;
  tv.tv_usec = 0;
  event_add(&io, &tv);
  evtimer_set(&tm, seen_cb, &t);
  event_base_set(base, &tm);
  tv.tv_sec = 0;
  tv.tv_usec = 20000;
  evtimer_add(&tm, &tv);
  event_base_once(base, p[1], EV_WRITE, seen_cb, &o, NULL);
  if (write(p[1], "x", 1) != 1)
    bail("write to the test pipe failed");

  end = mono_now() + 5.;
  while ((!r.calls || !t.calls || !o.calls) && mono_now() < end)
    event_base_loop(base, EVLOOP_ONCE);
  ok(r.calls == 1 && r.res == EV_READ, "read event delivered [%s]", be);
  ok(t.calls == 1 && t.res == EV_TIMEOUT, "timer event delivered [%s]", be);
  ok(o.calls == 1 && o.res == EV_WRITE, "event_base_once delivered [%s]", be);

  event_del(&io);
  event_pending(&io, EV_READ | EV_TIMEOUT, NULL);
  event_active(&tm, EV_TIMEOUT, 1);
  tv.tv_sec = 0;
  tv.tv_usec = 1000;
  event_base_loopexit(base, &tv);
  event_base_dispatch(base);
  is_int(t.calls, 2, "event_active and dispatch work [%s]", be);
  event_base_free(base);
  close(p[0]);
  close(p[1]);

  is_int(own_event_init_calls(), 0,
         "the library never called event_init (the program's) [%s]", be);
}

#endif /* NO_LIBEV_EVENT_H */

int
main(void)
{
  tap_start(60);
#ifdef NO_LIBEV_EVENT_H
  skip_all("the system has no event.h from libev's libevent emulation");
#else
  for_each_backend(run_backend);
  /* The name belongs to the program: its own function answers. */
  is_int(call_own_event_init(), 4242,
         "event_init is the program's own function [%s]", TEST_IMPL);
  is_int(own_event_init_calls(), 1, "called exactly once, by us [%s]",
         TEST_IMPL);
#endif
  return 0;
}
