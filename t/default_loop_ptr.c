/* default_loop_ptr.c - the exported ev_default_loop_ptr is one variable.
 *
 * Programs read ev_default_loop_ptr directly (ev.h's inline
 * ev_default_loop_uc_, EV_DEFAULT_UC, ev_is_default_loop); a PIE gets its
 * own copy of the variable through a copy relocation, and the library must
 * then read and write that copy, not a private one.  This program reads it
 * directly and checks that the library sees the same value: child watchers
 * are only allowed on the loop the library believes is the default one.
 */
#include "testlib.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* ev.h declares it only inside its inline helper; programs such as
 * nsca-ng declare it themselves like this. */
extern struct ev_loop *ev_default_loop_ptr;

static int child_seen;

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
  (void)revents;
  child_seen = w->rpid;
  ev_child_stop(loop, w);
}

static void
one_backend(const struct test_backend *b)
{
  struct ev_loop *loop;
  ev_child cw;
  pid_t pid;
  double end;

  ok(ev_default_loop_ptr == NULL, "no default loop yet: pointer is NULL [%s, %s]",
     b->name, TEST_IMPL);
  loop = ev_default_loop(b->flag | EVFLAG_NOENV);
  if (!loop)
    bail("ev_default_loop(%s) failed", b->name);
  ok(ev_default_loop_ptr == loop,
     "ev_default_loop stores the loop in the program's ev_default_loop_ptr "
     "[%s, %s]", b->name, TEST_IMPL);
  ok(EV_DEFAULT_UC == loop && ev_is_default_loop(loop),
     "EV_DEFAULT_UC and ev_is_default_loop see it [%s, %s]", b->name,
     TEST_IMPL);
  ok(ev_default_loop(0) == loop, "a second ev_default_loop returns it "
     "[%s, %s]", b->name, TEST_IMPL);

  /* The library decides "default loop" by its own view of the pointer. */
  child_seen = 0;
  pid = fork();
  if (pid == 0)
    _exit(3);
  ev_child_init(&cw, child_cb, pid, 0);
  ev_child_start(loop, &cw);
  end = mono_now() + 10;
  while (!child_seen && mono_now() < end)
    ev_run(loop, EVRUN_ONCE);
  is_int(child_seen, pid, "a child watcher works on that loop, so the "
         "library agrees it is the default one [%s, %s]", b->name, TEST_IMPL);

  ev_loop_destroy(loop);
  ok(ev_default_loop_ptr == NULL,
     "destroying it clears the program's ev_default_loop_ptr [%s, %s]",
     b->name, TEST_IMPL);
}

int
main(void)
{
  tap_start(60);
  for_each_backend(one_backend);
  return 0;
}
