// evpp_api.cc - the C++ interface, ev++.h: constants, the loop classes,
// every watcher class, each way of setting a callback (function, member
// function with and without arguments, functor), the set/start overloads
// with their default arguments, reconfiguring active watchers, once() in
// all its forms, and the free functions.
//
// Built against evix's include/ev++.h and against the system's libev
// ev++.h; check_signatures() makes the two headers' member types agree at
// compile time.  The file is C++98 so that it also builds with -std=c++98.
// Some platforms define ERROR; ev++.h must drop it to declare ev::ERROR,
// or this file does not compile.
#define ERROR 1
#include <ev++.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#if __cplusplus >= 201103L
#include <type_traits>
#endif

#include "testlib.h"

#if defined __cpp_noexcept_function_type
#define NX noexcept
#else
#define NX
#endif

#if __cplusplus >= 201103L
#define STATIC_CHECK(cond) static_assert(cond, #cond)
#else
#define STATIC_CHECK_CAT2(a, b) a##b
#define STATIC_CHECK_CAT(a, b) STATIC_CHECK_CAT2(a, b)
#if defined __GNUC__
#define STATIC_CHECK_UNUSED __attribute__((unused))
#else
#define STATIC_CHECK_UNUSED
#endif
#define STATIC_CHECK(cond)                                           \
  typedef char STATIC_CHECK_CAT(static_check_, __LINE__)[(cond) ? 1 : -1] \
      STATIC_CHECK_UNUSED
#endif

static const char *bn; // backend name of the current round

// ---- callbacks of every kind ----------------------------------------------

// Records what one watcher callback saw.
struct recorder {
  int calls;
  int revents;
  struct ev_loop *loop_seen;
  const void *watcher_seen;

  recorder() : calls(0), revents(0), loop_seen(0), watcher_seen(0)
  {
  }

  void
  note(const void *w, struct ev_loop *l, int rev)
  {
    ++calls;
    revents = rev;
    loop_seen = l;
    watcher_seen = w;
  }
};

// Member-function callbacks.
struct io_reader : recorder {
  int last_fd;
  bool stop_in_cb;

  io_reader() : last_fd(-1), stop_in_cb(false)
  {
  }

  void
  on_io(ev::io &w, int rev)
  {
    note(&w, w.loop, rev);
    last_fd = w.fd;
    char buf[64];
    if (rev & ev::READ)
      while (read(w.fd, buf, sizeof buf) > 0)
        ;
    if (stop_in_cb)
      w.stop();
  }
};

struct sig_catcher : recorder {
  int signum_seen;

  sig_catcher() : signum_seen(0)
  {
  }

  void
  on_signal(ev::sig &w, int rev)
  {
    note(&w, w.loop, rev);
    signum_seen = w.signum;
  }
};

struct child_catcher : recorder {
  int rpid;
  int rstatus;

  child_catcher() : rpid(0), rstatus(0)
  {
  }

  void
  on_child(ev::child &w, int rev)
  {
    note(&w, w.loop, rev);
    rpid = w.rpid;
    rstatus = w.rstatus;
    w.stop();
  }
};

struct embed_user : recorder {
  void
  on_embed(ev::embed &w, int rev)
  {
    note(&w, w.loop, rev);
    w.sweep();
  }
};

// A member function without arguments.
struct ticker {
  int ticks;

  ticker() : ticks(0)
  {
  }

  void
  tick()
  {
    ++ticks;
  }
};

// A functor with one operator() per watcher type: set(&functor) picks the
// overload matching the watcher.
struct phase_log {
  char seq[32];
  int len;

  phase_log() : len(0)
  {
    seq[0] = 0;
  }

  void
  add(char c)
  {
    if (len < 31) {
      seq[len++] = c;
      seq[len] = 0;
    }
  }

  void
  operator()(ev::prepare &, int rev)
  {
    add(rev == ev::PREPARE ? 'P' : '?');
  }

  void
  operator()(ev::check &, int rev)
  {
    add(rev == ev::CHECK ? 'C' : '?');
  }

  void
  operator()(ev::idle &w, int rev)
  {
    add(rev == ev::IDLE ? 'I' : '?');
    w.stop();
  }
};

// Free-function callbacks; the state comes through w.data.  They are not
// static: C++98 accepts only functions with external linkage as template
// arguments.
void
io_fn(ev::io &w, int rev)
{
  static_cast<recorder *>(w.data)->note(&w, w.loop, rev);
}

void
timer_fn(ev::timer &w, int rev)
{
  static_cast<recorder *>(w.data)->note(&w, w.loop, rev);
}

void
break_one_fn(ev::timer &w, int rev)
{
  static_cast<recorder *>(w.data)->note(&w, w.loop, rev);
  w.loop.break_loop(); // default: ev::ONE
}

void
break_all_fn(ev::timer &w, int rev)
{
  static_cast<recorder *>(w.data)->note(&w, w.loop, rev);
  w.loop.break_loop(ev::ALL);
}

#if EV_COMPAT3
void
unloop_fn(ev::timer &w, int rev)
{
  static_cast<recorder *>(w.data)->note(&w, w.loop, rev);
  w.loop.unloop(); // default: ev::ONE
}
#endif

unsigned int depth_seen;

void
depth_fn(ev::timer &w, int rev)
{
  static_cast<recorder *>(w.data)->note(&w, w.loop, rev);
  depth_seen = w.loop.depth();
}

void
async_fn(ev::async &w, int rev)
{
  static_cast<recorder *>(w.data)->note(&w, w.loop, rev);
}

void
stat_fn(ev::stat &w, int rev)
{
  static_cast<recorder *>(w.data)->note(&w, w.loop, rev);
}

void
fork_fn(ev::fork &w, int rev)
{
  static_cast<recorder *>(w.data)->note(&w, w.loop, rev);
}

// once() callbacks: a C-style function, members with and without revents,
// a functor, and free functions with and without revents.
int once_c_calls, once_c_revents;
void *once_c_arg;

void
once_c(int rev, void *arg)
{
  ++once_c_calls;
  once_c_revents = rev;
  once_c_arg = arg;
}

struct once_target {
  int calls;
  int revents;

  once_target() : calls(0), revents(0)
  {
  }

  void
  on(int rev)
  {
    ++calls;
    revents = rev;
  }

  void
  bare()
  {
    ++calls;
  }

  void
  operator()(int rev)
  {
    calls += 10;
    revents = rev;
  }
};

int once_simple_calls, once_simple_revents, once_simplest_calls;

void
once_simple(int rev)
{
  ++once_simple_calls;
  once_simple_revents = rev;
}

void
once_simplest()
{
  ++once_simplest_calls;
}

void
noop_timer(ev::timer &, int)
{
}

// ---- compile-time agreement with libev's header ---------------------------

// Each line names a member with the exact type libev 4.33 gives it (NX
// where libev says noexcept), so a mismatch in either header fails the
// build.  Default arguments are exercised by the calls in the tests.
static void
check_signatures()
{
  typedef ev::loop_ref lr;

  STATIC_CHECK(sizeof(ev::tstamp) == sizeof(double));
  ev::tstamp *tp = static_cast<double *>(0);
  ev::how_t how = ev::ONE;

  bool (lr::*eq1)(const lr &) const NX = &lr::operator==;
  bool (lr::*ne1)(const lr &) const NX = &lr::operator!=;
  bool (lr::*eq2)(const struct ev_loop *) const NX = &lr::operator==;
  bool (lr::*ne2)(const struct ev_loop *) const NX = &lr::operator!=;
  bool (lr::*is_def)() const NX = &lr::is_default;
  void (lr::*run)(int) = &lr::run;
  void (lr::*brk)(ev::how_t) NX = &lr::break_loop;
#if EV_COMPAT3
  void (lr::*loop_p)(int) = &lr::loop;
  void (lr::*unloop_p)(ev::how_t) NX = &lr::unloop;
  (void)loop_p;
  (void)unloop_p;
#endif
  void (lr::*post_fork)() NX = &lr::post_fork;
  unsigned int (lr::*backend)() const NX = &lr::backend;
  ev::tstamp (lr::*now)() const NX = &lr::now;
  void (lr::*ref)() NX = &lr::ref;
  void (lr::*unref)() NX = &lr::unref;
  unsigned int (lr::*iteration)() const NX = &lr::iteration;
  unsigned int (lr::*depth)() const NX = &lr::depth;
  void (lr::*io_coll)(ev::tstamp) NX = &lr::set_io_collect_interval;
  void (lr::*to_coll)(ev::tstamp) NX = &lr::set_timeout_collect_interval;
  void (lr::*once1)(int, int, ev::tstamp, void (*)(int, void *), void *) NX =
      &lr::once;
  void (lr::*once2)(int, int, ev::tstamp, once_target *) NX =
      &lr::once<once_target, &once_target::on>;
  void (lr::*once3)(int, int, ev::tstamp, once_target *) NX =
      &lr::once<once_target>;
  void (lr::*once4)(int, int, ev::tstamp, once_target *) NX =
      &lr::once<once_target, &once_target::bare>;
  void (lr::*once5)(int, int, ev::tstamp) NX = &lr::once<once_simple>;
  void (lr::*once6)(int, int, ev::tstamp) NX = &lr::once<once_simplest>;
  void (*thunk1)(int, void *) =
      &lr::method_thunk<once_target, &once_target::on>;
  void (*thunk2)(int, void *) =
      &lr::method_noargs_thunk<once_target, &once_target::bare>;
  void (*thunk3)(int, void *) = &lr::simpler_func_thunk<once_simple>;
  void (*thunk4)(int, void *) = &lr::simplest_func_thunk<once_simplest>;
  void (lr::*feed_fd)(int, int) NX = &lr::feed_fd_event;
  void (lr::*feed_sig)(int) NX = &lr::feed_signal_event;
  struct ev_loop *lr::*raw = &lr::raw_loop;

  ev::loop_ref (*get_def)() NX = &ev::get_default_loop;
  ev::tstamp (*now_f)(struct ev_loop *) NX = &ev::now;
  void (*delay_f)(ev::tstamp) NX = &ev::delay;
  int (*vmaj)() NX = &ev::version_major;
  int (*vmin)() NX = &ev::version_minor;
  unsigned int (*sup)() NX = &ev::supported_backends;
  unsigned int (*rec)() NX = &ev::recommended_backends;
  unsigned int (*emb)() NX = &ev::embeddable_backends;
  void (*set_alloc)(void *(*)(void *, long) EV_NOEXCEPT) NX =
      &ev::set_allocator;
  void (*set_syserr)(void (*)(const char *) EV_NOEXCEPT) NX =
      &ev::set_syserr_cb;

  // The common watcher members, on ev::io.
  typedef ev::base<ev_io, ev::io> io_base;
  ev_io *as_c = static_cast<ev::io *>(0);
  ev::loop_ref io_base::*loop_member = &io_base::loop;
  void (ev::io::*set_loop)(struct ev_loop *) NX = &ev::io::set;
  void (ev::io::*set_raw)(const void *, void (*)(struct ev_loop *, ev_io *,
                                                  int)) NX = &ev::io::set_;
  void (ev::io::*set_fn)(void *) NX = &ev::io::set<&io_fn>;
  void (ev::io::*set_m)(io_reader *) NX = &ev::io::set<io_reader,
                                                        &io_reader::on_io>;
  void (ev::io::*set_m0)(ticker *) NX = &ev::io::set<ticker, &ticker::tick>;
  void (*io_thunk1)(struct ev_loop *, ev_io *, int) =
      &ev::io::function_thunk<&io_fn>;
  void (*io_thunk2)(struct ev_loop *, ev_io *, int) =
      &ev::io::method_thunk<io_reader, &io_reader::on_io>;
  void (*io_thunk3)(struct ev_loop *, ev_io *, int) =
      &ev::io::method_noargs_thunk<ticker, &ticker::tick>;
  bool (ev::io::*active)() const NX = &ev::io::is_active;
  bool (ev::io::*pending)() const NX = &ev::io::is_pending;
  void (ev::io::*feed)(int) NX = &ev::io::feed_event;
  void (ev::io::*io_start)() NX = &ev::io::start;
  void (ev::io::*io_stop)() NX = &ev::io::stop;
  io_base::freeze_guard *guard = 0;

  // The type-specific members.
  void (ev::io::*io_set2)(int, int) NX = &ev::io::set;
  void (ev::io::*io_set1)(int) NX = &ev::io::set;
  void (ev::io::*io_start2)(int, int) NX = &ev::io::start;
  void (ev::timer::*t_set)(ev_tstamp, ev_tstamp) NX = &ev::timer::set;
  void (ev::timer::*t_start)(ev_tstamp, ev_tstamp) NX = &ev::timer::start;
  void (ev::timer::*t_again)() NX = &ev::timer::again;
  ev_tstamp (ev::timer::*t_rem)() = &ev::timer::remaining;
  void (ev::periodic::*p_set)(ev_tstamp, ev_tstamp) NX = &ev::periodic::set;
  void (ev::periodic::*p_start)(ev_tstamp, ev_tstamp) NX =
      &ev::periodic::start;
  void (ev::periodic::*p_again)() NX = &ev::periodic::again;
  void (ev::sig::*s_set)(int) NX = &ev::sig::set;
  void (ev::sig::*s_start)(int) NX = &ev::sig::start;
  void (ev::child::*c_set)(int, int) NX = &ev::child::set;
  void (ev::child::*c_start)(int, int) NX = &ev::child::start;
  void (ev::stat::*st_set)(const char *, ev_tstamp) NX = &ev::stat::set;
  void (ev::stat::*st_start)(const char *, ev_tstamp) NX = &ev::stat::start;
  void (ev::stat::*st_update)() NX = &ev::stat::update;
  void (ev::idle::*i_set)() NX = &ev::idle::set;
  void (ev::prepare::*pr_set)() NX = &ev::prepare::set;
  void (ev::check::*ch_set)() NX = &ev::check::set;
  void (ev::fork::*f_set)() NX = &ev::fork::set;
  void (ev::embed::*e_set)(struct ev_loop *) NX = &ev::embed::set_embed;
  void (ev::embed::*e_start)(struct ev_loop *) NX = &ev::embed::start;
  void (ev::embed::*e_sweep)() = &ev::embed::sweep;
  void (ev::async::*a_send)() NX = &ev::async::send;
  bool (ev::async::*a_pend)() NX = &ev::async::async_pending;

#if EV_USE_STDEXCEPT
  const std::exception *exc = static_cast<ev::bad_loop *>(0);
  (void)exc;
#endif

#if __cplusplus >= 201103L
  // Watchers and owning loops cannot be copied; loop_ref can.
  STATIC_CHECK(!std::is_copy_constructible<ev::io>::value);
  STATIC_CHECK(!std::is_copy_assignable<ev::timer>::value);
  STATIC_CHECK(!std::is_copy_constructible<ev::dynamic_loop>::value);
  STATIC_CHECK(!std::is_copy_constructible<ev::default_loop>::value);
  STATIC_CHECK(std::is_copy_constructible<ev::loop_ref>::value);
  // Every watcher is its C struct.
  STATIC_CHECK((std::is_base_of<ev_periodic, ev::periodic>::value));
  STATIC_CHECK((std::is_base_of<ev_signal, ev::sig>::value));
  STATIC_CHECK((std::is_base_of<ev_async, ev::async>::value));
  // What may throw: running callbacks; everything else is noexcept.
  ev::loop_ref *l = 0;
  ev::timer *t = 0;
  ev::embed *e = 0;
  STATIC_CHECK(!noexcept(l->run()));
  STATIC_CHECK(!noexcept(t->remaining()));
  STATIC_CHECK(!noexcept(e->sweep()));
  STATIC_CHECK(noexcept(ev::io()));
  STATIC_CHECK(noexcept(ev::loop_ref(0)));
  STATIC_CHECK(!noexcept(ev::dynamic_loop()));
  STATIC_CHECK(!noexcept(ev::default_loop()));
  STATIC_CHECK(noexcept(ev::bad_loop().what()));
#endif

  (void)tp, (void)how, (void)eq1, (void)ne1, (void)eq2;
  (void)ne2, (void)is_def, (void)run, (void)brk, (void)post_fork;
  (void)backend, (void)now, (void)ref, (void)unref, (void)iteration;
  (void)depth, (void)io_coll, (void)to_coll, (void)once1, (void)once2;
  (void)once3, (void)once4, (void)once5, (void)once6, (void)thunk1;
  (void)thunk2, (void)thunk3, (void)thunk4, (void)feed_fd, (void)feed_sig;
  (void)raw, (void)get_def, (void)now_f, (void)delay_f, (void)vmaj;
  (void)vmin, (void)sup, (void)rec, (void)emb, (void)set_alloc;
  (void)set_syserr, (void)as_c, (void)loop_member, (void)set_loop;
  (void)set_raw, (void)set_fn, (void)set_m, (void)set_m0, (void)io_thunk1;
  (void)io_thunk2, (void)io_thunk3, (void)active, (void)pending, (void)feed;
  (void)io_start, (void)io_stop, (void)guard, (void)io_set2, (void)io_set1;
  (void)io_start2, (void)t_set, (void)t_start, (void)t_again, (void)t_rem;
  (void)p_set, (void)p_start, (void)p_again, (void)s_set, (void)s_start;
  (void)c_set, (void)c_start, (void)st_set, (void)st_start, (void)st_update;
  (void)i_set, (void)pr_set, (void)ch_set, (void)f_set, (void)e_set;
  (void)e_start, (void)e_sweep, (void)a_send, (void)a_pend;
}

// ---- helpers --------------------------------------------------------------

// Runs the loop one iteration at a time until *counter reaches want or
// `seconds` pass.  A guard timer bounds every iteration, so a wait for an
// event that never comes still ends on time.
static bool
wait_for(ev::loop_ref l, const int *counter, int want, double seconds)
{
  ev::timer guard(l);
  guard.set<noop_timer>();
  guard.start(0.05, 0.05);
  double end = mono_now() + seconds;
  while (*counter < want && mono_now() < end)
    l.run(ev::ONCE);
  return *counter >= want;
}

static void
put(int fd, const char *bytes)
{
  size_t len = strlen(bytes);
  if (write(fd, bytes, len) != static_cast<ssize_t>(len))
    bail("write: %s", strerror(errno));
}

static unsigned int
loop_flags(const struct test_backend *b)
{
  return b->flag | ev::NOENV;
}

// ---- constants ------------------------------------------------------------

static void
test_constants()
{
  // libev 4.33's values (the reference tables), not ev.h's, so that a
  // wrong mapping in either header shows.
  struct named {
    long long got;
    long long want;
    const char *name;
  };
  const named all[] = {
    { ev::UNDEF, -1, "UNDEF" },
    { ev::NONE, 0, "NONE" },
    { ev::READ, 0x1, "READ" },
    { ev::WRITE, 0x2, "WRITE" },
#if EV_COMPAT3
    { ev::TIMEOUT, 0x100, "TIMEOUT" },
#endif
    { ev::TIMER, 0x100, "TIMER" },
    { ev::PERIODIC, 0x200, "PERIODIC" },
    { ev::SIGNAL, 0x400, "SIGNAL" },
    { ev::CHILD, 0x800, "CHILD" },
    { ev::STAT, 0x1000, "STAT" },
    { ev::IDLE, 0x2000, "IDLE" },
    { ev::PREPARE, 0x4000, "PREPARE" },
    { ev::CHECK, 0x8000, "CHECK" },
    { ev::EMBED, 0x10000, "EMBED" },
    { ev::FORK, 0x20000, "FORK" },
    { ev::ASYNC, 0x80000, "ASYNC" },
    { ev::ERROR, -0x7fffffffLL - 1, "ERROR" },
    { ev::AUTO, 0, "AUTO" },
    { ev::NOENV, 0x01000000, "NOENV" },
    { ev::FORKCHECK, 0x02000000, "FORKCHECK" },
    { ev::SELECT, 0x1, "SELECT" },
    { ev::POLL, 0x2, "POLL" },
    { ev::EPOLL, 0x4, "EPOLL" },
    { ev::KQUEUE, 0x8, "KQUEUE" },
    { ev::DEVPOLL, 0x10, "DEVPOLL" },
    { ev::PORT, 0x20, "PORT" },
#if EV_COMPAT3
    { ev::NONBLOCK, 1, "NONBLOCK" },
    { ev::ONESHOT, 2, "ONESHOT" },
#endif
    { ev::NOWAIT, 1, "NOWAIT" },
    { ev::ONCE, 2, "ONCE" },
    { ev::ONE, 1, "ONE" },
    { ev::ALL, 2, "ALL" },
  };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
    is_int(all[i].got, all[i].want, "ev::%s is %lld [%s]", all[i].name,
           all[i].want, TEST_IMPL);
}

// ---- free functions, bad_loop, process-wide hooks -------------------------

static long alloc_calls;

static void *
counting_alloc(void *ptr, long size) EV_NOEXCEPT
{
  ++alloc_calls;
  if (size)
    return realloc(ptr, static_cast<size_t>(size));
  free(ptr);
  return 0;
}

static void
test_free_functions()
{
  is_int(ev::version_major(), 4, "ev::version_major() is 4 [%s]", TEST_IMPL);
  ok(ev::version_minor() >= 33, "ev::version_minor() is at least 33 [%s]",
     TEST_IMPL);
  is_hex(ev::supported_backends(), ev_supported_backends(),
         "ev::supported_backends() is ev_supported_backends() [%s]",
         TEST_IMPL);
  is_hex(ev::recommended_backends(), ev_recommended_backends(),
         "ev::recommended_backends() is ev_recommended_backends() [%s]",
         TEST_IMPL);
  is_hex(ev::embeddable_backends(), ev_embeddable_backends(),
         "ev::embeddable_backends() is ev_embeddable_backends() [%s]",
         TEST_IMPL);

  double t0 = mono_now();
  ev::delay(0.05);
  double slept = mono_now() - t0;
  ok(slept >= 0.04 && slept < 5., "ev::delay(0.05) sleeps about 50 ms "
     "[%s]", TEST_IMPL);

  // The counting allocator stays installed for the rest of the program.
  ev::set_allocator(counting_alloc);
  long before = alloc_calls;
  {
    ev::dynamic_loop l;
    ok(alloc_calls > before, "ev::set_allocator's allocator is used for a "
       "new loop [%s]", TEST_IMPL);
  }
}

// No loop other than the default one may exist when this runs: it asks
// for a backend Linux does not have.
static void
test_bad_loop()
{
  if (ev_supported_backends() & EVBACKEND_KQUEUE) {
    skip("kqueue exists here", "dynamic_loop throws bad_loop [%s]",
         TEST_IMPL);
    skip("kqueue exists here", "default_loop throws bad_loop [%s]",
         TEST_IMPL);
    return;
  }
  int thrown = 0;
  const char *what = 0;
  try {
    ev::dynamic_loop l(ev::KQUEUE | ev::NOENV);
  } catch (const ev::bad_loop &e) {
    ++thrown;
#if EV_USE_STDEXCEPT
    what = e.what();
#endif
  }
  ok(thrown == 1 && what && *what, "dynamic_loop throws bad_loop, with a "
     "message, when no loop can be made [%s]", TEST_IMPL);

  thrown = 0;
  try {
    ev::default_loop l(ev::KQUEUE | ev::NOENV);
  } catch (const std::exception &) {
    ++thrown;
  }
  ok(thrown == 1 && !ev_default_loop_uc_(), "default_loop throws bad_loop, "
     "a std::exception, and no default loop is left [%s]", TEST_IMPL);
}

static void
syserr_exit(const char *msg) EV_NOEXCEPT
{
  fprintf(stderr, "%s\n", msg);
  fflush(stderr);
  _exit(42);
}

// Closes every epoll descriptor of this process behind the loop's back.
static int
close_epoll_fds()
{
  int closed = 0;
  for (int fd = 3; fd < 1024; ++fd) {
    char path[64], target[128];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0)
      continue;
    target[n] = 0;
    if (strcmp(target, "anon_inode:[eventpoll]") == 0) {
      close(fd);
      ++closed;
    }
  }
  return closed;
}

static void
syserr_child(void *)
{
  ev::set_syserr_cb(syserr_exit);
  ev::dynamic_loop l(ev::EPOLL | ev::NOENV);
  if (close_epoll_fds() != 1)
    _exit(11);
  ev::timer t(l);
  t.set<noop_timer>();
  t.start(0.01);
  l.run(ev::ONCE);
  _exit(12);
}

static void
test_syserr()
{
  if (!(ev::supported_backends() & ev::EPOLL)) {
    skip("needs epoll", "ev::set_syserr_cb's callback is called [%s]",
         TEST_IMPL);
    return;
  }
  struct child_result res;
  run_in_child(syserr_child, 0, 10., &res);
  if (!ok(res.exited && res.status == 42, "ev::set_syserr_cb's callback is "
          "called when epoll_wait fails [%s]", TEST_IMPL))
    diag("child: exited=%d status=%d signaled=%d signo=%d stderr=\"%s\"",
         res.exited, res.status, res.signaled, res.signo, res.err);
}

// ---- loop_ref and dynamic_loop --------------------------------------------

static void
test_loops(const struct test_backend *b)
{
  ev::dynamic_loop dl(loop_flags(b));
  is_hex(dl.backend(), b->flag, "dynamic_loop(flags) uses that backend [%s]",
         bn);

  ev::loop_ref r(dl);
  struct ev_loop *raw = dl;
  const struct ev_loop *craw = dl;
  ok(r == dl && !(r != dl) && raw == dl.raw_loop && craw == raw,
     "a loop_ref copy compares equal and converts to the raw loop [%s]", bn);
  ok(r == craw && !(r != craw), "loop_ref compares with a const raw loop "
     "pointer [%s]", bn);
#ifndef EVIX_TEST_LIBEV
  // libev's header makes these ambiguous (a compiler warning).
  ok(r == raw && !(r != raw) && dl == raw, "loop_ref compares with a raw "
     "loop pointer [%s]", bn);
#else
  skip("libev 4.33's comparison with a non-const pointer is ambiguous",
       "loop_ref compares with a raw loop pointer [%s]", bn);
#endif
  {
    ev::dynamic_loop other(loop_flags(b));
    ok(r != other && !(r == other), "different loops compare unequal [%s]",
       bn);
  }
  ok(!(r == 0) && r != 0, "loop_ref compares unequal to a null pointer "
     "constant [%s]", bn);

  // run() with its default flags: until nothing is active.
  recorder rec;
  ev::timer t(dl);
  t.set<timer_fn>(&rec);
  t.start(0.01);
  unsigned int it0 = dl.iteration();
  dl.run();
  ok(rec.calls == 1 && !t.is_active(), "run() with default flags ran the "
     "timer and returned [%s]", bn);
  ok(rec.watcher_seen == &t && rec.loop_seen == raw, "the callback got its "
     "watcher, whose loop member is the loop [%s]", bn);
  ok(dl.iteration() > it0, "iteration() advanced (%u -> %u) [%s]", it0,
     dl.iteration(), bn);
  ok(std::fabs(dl.now() - ev_time()) < 2., "now() is the wall-clock time "
     "[%s]", bn);
  ok(ev::now(dl) == dl.now() && ev_now(dl) == dl.now(), "ev::now(loop) "
     "is loop.now() [%s]", bn);

  // A 5 s timer stays active while the following checks run.
  t.start(5.);
  double t0 = mono_now();
  it0 = dl.iteration();
  dl.run(ev::NOWAIT);
  ok(mono_now() - t0 < 2. && t.is_active() && dl.iteration() == it0 + 1,
     "run(ev::NOWAIT) does one iteration without waiting [%s]", bn);

  recorder brec;
  ev::timer brk(dl);
  brk.set<break_one_fn>(&brec);
  brk.start(0.01);
  t0 = mono_now();
  dl.run();
  ok(brec.calls == 1 && mono_now() - t0 < 3. && t.is_active(),
     "break_loop() from a callback ends run() [%s]", bn);

  brk.set<break_all_fn>(&brec);
  brk.start(0.01);
  t0 = mono_now();
  dl.run(0);
  ok(brec.calls == 2 && mono_now() - t0 < 3., "break_loop(ev::ALL) ends "
     "run() [%s]", bn);

#if EV_COMPAT3
  it0 = dl.iteration();
  dl.loop(ev::NONBLOCK);
  is_int(dl.iteration() - it0, 1, "loop(ev::NONBLOCK), the old name, does "
         "one iteration [%s]", bn);
  brk.set<unloop_fn>(&brec);
  brk.start(0.01);
  t0 = mono_now();
  dl.loop();
  ok(brec.calls == 3 && mono_now() - t0 < 3., "unloop() ends loop() [%s]",
     bn);
#endif

  recorder drec;
  ev::timer dt(dl);
  dt.set<depth_fn>(&drec);
  dt.start(0.);
  depth_seen = 99;
  wait_for(dl, &drec.calls, 1, 5.);
  ok(depth_seen == 1 && dl.depth() == 0, "depth() is 1 inside run() and 0 "
     "outside [%s]", bn);

  // With its only active watcher unref'd, run() returns at once.
  dl.unref();
  t0 = mono_now();
  dl.run();
  ok(mono_now() - t0 < 2. && t.is_active(), "after unref() run() does not "
     "wait for the 5 s timer [%s]", bn);
  dl.ref();
  is_int(ev_run(dl, EVRUN_NOWAIT), 1, "after ref() the timer counts again "
         "[%s]", bn);

  // Collect intervals change only latency; the loop must keep working.
  dl.set_io_collect_interval(0.01);
  dl.set_timeout_collect_interval(0.01);
  rec.calls = 0;
  t.start(0.01);
  ok(wait_for(dl, &rec.calls, 1, 5.), "timers fire with collect intervals "
     "set [%s]", bn);
  dl.set_io_collect_interval(0.);
  dl.set_timeout_collect_interval(0.);
  ev_verify(dl);
}

// ---- io -------------------------------------------------------------------

static void
test_io(const struct test_backend *b)
{
  ev::dynamic_loop dl(loop_flags(b));
  int p[2], s[2];
  make_pipe(p);
  make_socketpair(s);

  io_reader r;
  ev::io w(dl);
  ok(!w.is_active() && !w.is_pending() && w.loop == dl, "a new ev::io is "
     "inactive, not pending, and belongs to the loop given [%s]", bn);
  w.set<io_reader, &io_reader::on_io>(&r);
  ok(w.data == &r, "set<K, &K::method>(obj) stores obj in data [%s]", bn);

  w.start(p[0], ev::READ);
  ok(w.is_active() && w.fd == p[0] && (w.events & (ev::READ | ev::WRITE)) ==
     ev::READ, "start(fd, ev::READ) configures and starts [%s]", bn);
  put(p[1], "x");
  ok(wait_for(dl, &r.calls, 1, 5.) && r.revents == ev::READ &&
     r.last_fd == p[0] && r.watcher_seen == &w, "the member callback got "
     "ev::READ for the pipe [%s]", bn);

  // Reconfiguring an active watcher stops and restarts it.
  w.set(s[0], ev::READ);
  ok(w.is_active() && w.fd == s[0], "set(fd, events) on an active watcher "
     "keeps it active on the new fd [%s]", bn);
  w.set(ev::READ | ev::WRITE);
  ok(w.is_active() && w.fd == s[0] &&
     (w.events & (ev::READ | ev::WRITE)) == (ev::READ | ev::WRITE),
     "set(events) changes only the mask and keeps it active [%s]", bn);
  r.calls = 0;
  ok(wait_for(dl, &r.calls, 1, 5.) && (r.revents & ev::WRITE) &&
     r.last_fd == s[0], "the socket reports ev::WRITE after set(events) "
     "[%s]", bn);
  w.set(ev::READ);
  put(s[1], "y");
  r.calls = 0;
  ok(wait_for(dl, &r.calls, 1, 5.) && r.revents == ev::READ &&
     r.last_fd == s[0], "after set(ev::READ) only ev::READ is reported "
     "[%s]", bn);

  // Feeding events.
  r.calls = 0;
  dl.feed_fd_event(s[0], ev::READ);
  dl.run(ev::NOWAIT);
  ok(r.calls == 1 && r.revents == ev::READ, "feed_fd_event(fd, ev::READ) "
     "invokes the watcher on that fd [%s]", bn);
  r.calls = 0;
  w.feed_event(EV_CUSTOM);
  ok(w.is_pending(), "feed_event makes the watcher pending [%s]", bn);
  dl.run(ev::NOWAIT);
  ok(r.calls == 1 && r.revents == EV_CUSTOM && !w.is_pending(), "the fed "
     "event arrives with its revents [%s]", bn);

#ifndef EVIX_TEST_LIBEV
  r.calls = 0;
  w(ev::WRITE);
  ok(r.calls == 1 && r.revents == ev::WRITE && r.loop_seen == dl.raw_loop,
     "w(revents) invokes the callback at once [%s]", bn);
  w();
  ok(r.calls == 2 && r.revents == ev::UNDEF, "w() passes ev::UNDEF [%s]",
     bn);
#else
  skip("libev 4.33's operator() leaves out the loop argument and does not "
       "compile", "w(revents) invokes the callback at once [%s]", bn);
  skip("libev 4.33's operator() does not compile", "w() passes ev::UNDEF "
       "[%s]", bn);
#endif

  r.stop_in_cb = true;
  put(s[1], "z");
  r.calls = 0;
  ok(wait_for(dl, &r.calls, 1, 5.) && !w.is_active(), "stop() from inside "
     "the callback deactivates it [%s]", bn);
  w.set(p[0], ev::READ);
  w.start();
  ok(w.is_active(), "start() after set(fd, events) [%s]", bn);
  w.stop();
  ok(!w.is_active(), "stop() [%s]", bn);

  // A free-function callback, and the destructor stopping a watcher that
  // is active and pending.
  recorder rec;
  {
    ev::io tmp(dl);
    tmp.set<io_fn>(&rec);
    tmp.start(p[0], ev::READ);
    is_int(ev_run(dl, EVRUN_NOWAIT), 1, "the temporary watcher is active "
           "[%s]", bn);
    tmp.feed_event(ev::READ);
  }
  is_int(ev_run(dl, EVRUN_NOWAIT), 0, "the destructor stopped it [%s]", bn);
  is_int(rec.calls, 0, "and its pending event was dropped [%s]", bn);

  ev_verify(dl);
  close(p[0]);
  close(p[1]);
  close(s[0]);
  close(s[1]);
}

// ---- timer and periodic ---------------------------------------------------

static void
test_timer(const struct test_backend *b)
{
  ev::dynamic_loop dl(loop_flags(b));
  recorder rec;
  ev::timer t(dl);

  t.set<timer_fn>();
  ok(t.data == 0, "set<function>() stores a null data pointer [%s]", bn);
  t.set<timer_fn>(&rec);
  ok(t.data == &rec, "set<function>(data) stores data [%s]", bn);

  t.set(0.02);
  ok(t.at == 0.02 && t.repeat == 0., "set(after) stores after and repeat 0 "
     "[%s]", bn);
  t.start();
  ok(wait_for(dl, &rec.calls, 1, 5.) && rec.revents == ev::TIMER &&
     !t.is_active(), "a one-shot timer fires ev::TIMER and stops [%s]", bn);

  rec.calls = 0;
  t.start(10.);
  t.set(0.01);
  double t0 = mono_now();
  ok(t.is_active() && wait_for(dl, &rec.calls, 1, 5.) &&
     mono_now() - t0 < 4., "set(after) on an active timer restarts it with "
     "the new time [%s]", bn);

  rec.calls = 0;
  t.start(0.01, 0.01);
  ok(t.repeat == 0.01 && wait_for(dl, &rec.calls, 3, 5.) && t.is_active(),
     "start(after, repeat) repeats and stays active [%s]", bn);
  t.stop();

  t.set(0., 3.);
  t.again();
  double rem = t.remaining();
  ok(t.is_active() && rem > 1.5 && rem <= 3.0001, "again() arms a repeat "
     "timer and remaining() counts down from it (%.3f) [%s]", rem, bn);
  t.stop();
  t.set(1., 0.);
  t.again();
  ok(!t.is_active(), "again() with repeat 0 leaves it stopped [%s]", bn);
  ev_verify(dl);
}

static void
test_periodic(const struct test_backend *b)
{
  ev::dynamic_loop dl(loop_flags(b));
  ticker tk;
  ev::periodic p(dl);
  p.set<ticker, &ticker::tick>(&tk);
  ok(p.data == &tk, "set<K, &K::method>(obj) with a method without "
     "arguments stores obj [%s]", bn);

  p.start(0., 0.02);
  double now = ev_time();
  ok(p.is_active() && p.offset == 0. && p.interval == 0.02 &&
     p.reschedule_cb == 0, "start(offset, interval) configures an interval "
     "periodic [%s]", bn);
  ok(p.at > now - 1. && p.at < now + 1., "its next time is wall-clock "
     "time [%s]", bn);
  ok(wait_for(dl, &tk.ticks, 3, 5.), "it ticks (%d) [%s]", tk.ticks, bn);

  tk.ticks = 0;
  double when = ev_time() + 0.03;
  p.set(when);
  ok(p.is_active() && p.interval == 0. && p.at == when, "set(at) on an "
     "active periodic makes it absolute, still active [%s]", bn);
  ok(wait_for(dl, &tk.ticks, 1, 5.) && !p.is_active(), "an absolute "
     "periodic fires once and stops [%s]", bn);

  p.set(ev_time() + 10.);
  p.again();
  ok(p.is_active(), "again() starts it [%s]", bn);
  p.stop();
  ok(!p.is_active(), "stop() [%s]", bn);
  ev_verify(dl);
}

// ---- idle, prepare, check, async ------------------------------------------

static void
test_idle_prepare_check(const struct test_backend *b)
{
  ev::dynamic_loop dl(loop_flags(b));
  phase_log log;
  ev::prepare pr(dl);
  ev::check ch(dl);
  ev::idle id(dl);
  pr.set(&log);
  ch.set(&log);
  id.set(&log);
  ok(pr.data == &log && ch.data == &log && id.data == &log, "set(&functor) "
     "stores the functor [%s]", bn);
  pr.set();
  ch.set();
  id.set();
  pr.start();
  ch.start();
  id.start();

  dl.run(ev::NOWAIT);
  ok(log.seq[0] == 'P' && std::strchr(log.seq, 'C') &&
     std::strchr(log.seq, 'I') && !std::strchr(log.seq, '?'),
     "prepare first, then check and idle, each with its revents (%s) [%s]",
     log.seq, bn);
  ok(!id.is_active() && pr.is_active() && ch.is_active(), "the idle "
     "functor stopped its watcher [%s]", bn);
  int len = log.len;
  dl.run(ev::NOWAIT);
  ok(log.len == len + 2 && std::strcmp(log.seq + len, "PC") == 0,
     "the next iteration runs prepare and check only (%s) [%s]", log.seq,
     bn);
  pr.stop();
  ch.stop();
  ev_verify(dl);
}

static void
test_async(const struct test_backend *b)
{
  ev::dynamic_loop dl(loop_flags(b));
  recorder rec;
  ev::async a(dl);
  a.set<async_fn>(&rec);
  a.start();
  ok(a.is_active() && !a.async_pending(), "a started async is not pending "
     "[%s]", bn);
  a.send();
  ok(a.async_pending(), "async_pending() after send() [%s]", bn);
  ok(wait_for(dl, &rec.calls, 1, 5.) && rec.revents == ev::ASYNC &&
     !a.async_pending(), "send() wakes the loop with ev::ASYNC [%s]", bn);
  a.stop();
  ev_verify(dl);
}

// ---- signals, stat --------------------------------------------------------

static void
test_signal(const struct test_backend *b)
{
  ev::dynamic_loop dl(loop_flags(b));
  sig_catcher sc;
  ev::sig s(dl);
  s.set<sig_catcher, &sig_catcher::on_signal>(&sc);
  s.start(SIGUSR1);
  ok(s.is_active() && s.signum == SIGUSR1, "start(signum) [%s]", bn);
  raise(SIGUSR1);
  ok(wait_for(dl, &sc.calls, 1, 5.) && sc.revents == ev::SIGNAL &&
     sc.signum_seen == SIGUSR1, "a raised SIGUSR1 arrives as ev::SIGNAL "
     "[%s]", bn);

  dl.feed_signal_event(SIGUSR1);
  dl.run(ev::NOWAIT);
  is_int(sc.calls, 2, "feed_signal_event(SIGUSR1) invokes the watcher [%s]",
         bn);

  s.set(SIGUSR2);
  ok(s.is_active() && s.signum == SIGUSR2, "set(signum) on an active "
     "watcher moves it to the new signal [%s]", bn);
  raise(SIGUSR2);
  ok(wait_for(dl, &sc.calls, 3, 5.) && sc.signum_seen == SIGUSR2,
     "SIGUSR2 arrives [%s]", bn);
  s.stop();
  ev_verify(dl);
}

static void
append_to(const char *path, const char *bytes)
{
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
  if (fd < 0)
    bail("open %s: %s", path, strerror(errno));
  put(fd, bytes);
  close(fd);
}

static void
test_stat(const struct test_backend *b)
{
  ev::dynamic_loop dl(loop_flags(b));
  char path[64], path2[64];
  snprintf(path, sizeof path, "evpp_api_stat.%ld.a",
           static_cast<long>(getpid()));
  snprintf(path2, sizeof path2, "evpp_api_stat.%ld.b",
           static_cast<long>(getpid()));
  unlink(path);
  unlink(path2);
  append_to(path, "");
  append_to(path2, "12");

  recorder rec;
  ev::stat st(dl);
  st.set<stat_fn>(&rec);
  st.start(path, 0.1);
  ok(st.is_active() && st.path == path && st.attr.st_nlink > 0 &&
     st.attr.st_size == 0, "start(path, interval) starts and fills attr "
     "[%s]", bn);

  append_to(path, "hello");
  ok(wait_for(dl, &rec.calls, 1, 5.) && rec.revents == ev::STAT,
     "a change arrives as ev::STAT [%s]", bn);
  ok(st.attr.st_size == 5 && st.prev.st_size == 0, "attr and prev show the "
     "change [%s]", bn);

  append_to(path, "abc");
  st.update();
  is_int(st.attr.st_size, 8, "update() refreshes attr at once [%s]", bn);

  st.start(path2);
  ok(st.is_active() && st.path == path2 && st.attr.st_size == 2,
     "start(path) on an active watcher restarts it on the new path [%s]",
     bn);
  st.set(path, 0.2);
  ok(st.is_active() && st.path == path && st.interval >= 0.2,
     "set(path, interval) on an active watcher keeps it active [%s]", bn);
  st.stop();
  unlink(path);
  unlink(path2);
  ev_verify(dl);
}

// ---- fork, cleanup, embed -------------------------------------------------

struct fork_state {
  ev::loop_ref *loop;
  recorder *rec;
};

static void
fork_child(void *arg)
{
  fork_state *fs = static_cast<fork_state *>(arg);
  int before = fs->rec->calls;
  fs->loop->post_fork();
  fs->loop->run(ev::NOWAIT);
  _exit(fs->rec->calls - before == 1 && fs->rec->revents == ev::FORK ? 21
                                                                     : 22);
}

static int cleanup_calls;

static void
cleanup_cb(struct ev_loop *, ev_cleanup *, int rev)
{
  if (rev == EV_CLEANUP)
    ++cleanup_calls;
}

static void
test_fork_cleanup(const struct test_backend *b)
{
  ev::dynamic_loop dl(loop_flags(b));
  recorder rec;
  ev::fork f(dl);
  f.set<fork_fn>(&rec);
  f.start();
  dl.run(ev::NOWAIT);
  is_int(rec.calls, 0, "no fork event without a fork [%s]", bn);
  dl.post_fork();
  dl.run(ev::NOWAIT);
  ok(rec.calls == 1 && rec.revents == ev::FORK, "post_fork() makes the "
     "next iteration call fork watchers [%s]", bn);

  ev::loop_ref handle(dl);
  fork_state fs = { &handle, &rec };
  struct child_result res;
  run_in_child(fork_child, &fs, 10., &res);
  if (!ok(res.exited && res.status == 21, "after a real fork, post_fork() "
          "and run() in the child call the fork watcher [%s]", bn))
    diag("child: exited=%d status=%d signaled=%d signo=%d stderr=\"%s\"",
         res.exited, res.status, res.signaled, res.signo, res.err);
  f.stop();

  cleanup_calls = 0;
  {
    ev::dynamic_loop tmp(loop_flags(b));
    ev_cleanup c;
    ev_cleanup_init(&c, cleanup_cb);
    ev_cleanup_start(tmp, &c);
    tmp.run(ev::NOWAIT);
    is_int(cleanup_calls, 0, "a cleanup watcher waits for destruction "
           "[%s]", bn);
  }
  is_int(cleanup_calls, 1, "~dynamic_loop destroyed the loop and ran its "
         "cleanup watcher [%s]", bn);
}

static void
test_embed(const struct test_backend *b)
{
  if (!(ev::embeddable_backends() & ev::supported_backends() & ev::EPOLL)) {
    skip("no embeddable epoll here", "ev::embed [%s]", bn);
    return;
  }
  ev::dynamic_loop dl(loop_flags(b));
  ev::dynamic_loop inner(ev::EPOLL | ev::NOENV);
  int p[2];
  make_pipe(p);

  io_reader r;
  ev::io iw(inner);
  iw.set<io_reader, &io_reader::on_io>(&r);
  iw.start(p[0], ev::READ);

  embed_user eu;
  ev::embed e(dl);
  e.set<embed_user, &embed_user::on_embed>(&eu);
  e.set_embed(inner);
  ok(e.other == inner.raw_loop && e.loop == dl && !e.is_active(),
     "set_embed(loop) names the embedded loop and keeps the watcher's own "
     "[%s]", bn);
  e.start();
  ok(e.is_active(), "start() [%s]", bn);
  // One outer iteration lets the embed watcher apply the inner loop's fd
  // changes (running the inner loop once); only then does data arrive.
  dl.run(ev::NOWAIT);
  is_int(r.calls, 0, "nothing is readable yet [%s]", bn);
  put(p[1], "x");
  if (!ok(wait_for(dl, &r.calls, 1, 5.) && eu.calls >= 1 &&
          eu.revents == ev::EMBED, "the outer loop reports ev::EMBED and the "
          "callback's sweep() runs the inner watcher [%s]", bn))
    diag("inner io calls %d, embed calls %d, embed revents 0x%x", r.calls,
         eu.calls, eu.revents);

  put(p[1], "x");
  r.calls = 0;
  e.sweep();
  is_int(r.calls, 1, "sweep() runs one iteration of the embedded loop "
         "[%s]", bn);
  e.stop();

#ifndef EVIX_TEST_LIBEV
  ev::embed e2(dl);
  e2.set<embed_user, &embed_user::on_embed>(&eu);
  e2.start(inner);
  ok(e2.is_active() && e2.other == inner.raw_loop && e2.loop == dl,
     "start(loop) embeds that loop into the watcher's own [%s]", bn);
  e2.stop();
#else
  skip("libev 4.33's embed::start(loop) moves the watcher instead of "
       "embedding the loop", "start(loop) embeds that loop [%s]", bn);
#endif
  iw.stop();
  ev_verify(dl);
  close(p[0]);
  close(p[1]);
}

// ---- once -----------------------------------------------------------------

static void
test_once(const struct test_backend *b)
{
  ev::dynamic_loop dl(loop_flags(b));
  int p[2];
  make_pipe(p);
  int marker = 0;

  once_c_calls = 0;
  dl.once(-1, 0, 0.001, once_c, &marker);
  ok(wait_for(dl, &once_c_calls, 1, 5.) && once_c_revents == ev::TIMER &&
     once_c_arg == &marker, "once(fd, events, timeout, cb, arg) [%s]", bn);
  dl.once(-1, 0, 0.001, once_c);
  ok(wait_for(dl, &once_c_calls, 2, 5.) && once_c_arg == 0,
     "once(..., cb) passes a null arg by default [%s]", bn);

  once_target member;
  dl.once<once_target, &once_target::on>(p[0], ev::READ, 5., &member);
  put(p[1], "x");
  ok(wait_for(dl, &member.calls, 1, 5.) && member.revents == ev::READ,
     "once<K, &K::method>(fd, ...) reports the fd's ev::READ [%s]", bn);

  once_target functor;
  dl.once(-1, 0, 0.001, &functor);
  ok(wait_for(dl, &functor.calls, 10, 5.) && functor.calls == 10 &&
     functor.revents == ev::TIMER, "once(..., &functor) calls "
     "operator()(int) [%s]", bn);

  once_target bare;
  dl.once<once_target, &once_target::bare>(-1, 0, 0.001, &bare);
  ok(wait_for(dl, &bare.calls, 1, 5.) && bare.calls == 1,
     "once<K, &K::method>() without arguments [%s]", bn);

  once_simple_calls = 0;
  dl.once<once_simple>(-1, 0, 0.001);
  ok(wait_for(dl, &once_simple_calls, 1, 5.) &&
     once_simple_revents == ev::TIMER, "once<function(int)>(...) [%s]", bn);

  once_simplest_calls = 0;
  dl.once<once_simplest>(-1, 0, 0.001);
  ok(wait_for(dl, &once_simplest_calls, 1, 5.), "once<function()>(...) "
     "[%s]", bn);

  is_int(ev_run(dl, EVRUN_NOWAIT), 0, "nothing is left active after the "
         "once calls [%s]", bn);
  close(p[0]);
  close(p[1]);
}

// ---- default_loop, child, watchers on the default loop --------------------

static void
test_default_loop(const struct test_backend *b)
{
  {
    ev::default_loop def(loop_flags(b));
    is_hex(def.backend(), b->flag, "default_loop(flags) uses that backend "
           "[%s]", bn);
    ok(def.is_default() && def == ev::get_default_loop() &&
       def.raw_loop == ev_default_loop(0), "it is the default loop [%s]", bn);
    {
      ev::default_loop same;
      ok(same == def, "a second default_loop is the same loop [%s]", bn);
    }
    ev::dynamic_loop dl(loop_flags(b));
    ok(!dl.is_default(), "a dynamic_loop is not the default loop [%s]", bn);

    recorder rec;
    ev::timer t;
    ok(t.loop == def, "a watcher made without a loop is on the default "
       "loop [%s]", bn);
    t.set(dl);
    t.set<timer_fn>(&rec);
    t.start(0.);
    ok(t.loop == dl && wait_for(dl, &rec.calls, 1, 5.) &&
       rec.loop_seen == dl.raw_loop, "set(loop) moves a watcher to another "
       "loop [%s]", bn);

    child_catcher cc;
    ev::child c;
    c.set<child_catcher, &child_catcher::on_child>(&cc);
    c.set(0, 1);
    ok(c.pid == 0 && (c.flags & 1), "set(0, trace) watches any child, "
       "traced [%s]", bn);
    c.set(12345);
    ok(c.pid == 12345 && !(c.flags & 1), "set(pid) does not trace by "
       "default [%s]", bn);

    fflush(stdout);
    pid_t pid = ::fork();
    if (pid < 0)
      bail("fork: %s", strerror(errno));
    if (pid == 0)
      _exit(7);
    c.start(pid);
    ok(c.is_active() && c.pid == pid, "start(pid) [%s]", bn);
    ok(wait_for(def, &cc.calls, 1, 10.) && cc.revents == ev::CHILD &&
       cc.rpid == pid && WIFEXITED(cc.rstatus) &&
       WEXITSTATUS(cc.rstatus) == 7, "the child's exit status 7 arrives "
       "as ev::CHILD [%s]", bn);
    ok(!c.is_active(), "the callback stopped the child watcher [%s]", bn);
    ev_verify(def);
  }
  // Every watcher is gone: drop the default loop so that the next round
  // can create it with its own backend.
  ev_loop_destroy(ev_default_loop(0));
}

static void
per_backend(const struct test_backend *b)
{
  bn = b->name;
  test_loops(b);
  test_io(b);
  test_timer(b);
  test_periodic(b);
  test_idle_prepare_check(b);
  test_async(b);
  test_signal(b);
  test_stat(b);
  test_fork_cleanup(b);
  test_embed(b);
  test_once(b);
  test_default_loop(b);
}

int
main()
{
  tap_start(60);
  check_signatures();
  test_constants();
  test_syserr();
  test_bad_loop();
  test_free_functions();
  for_each_backend(per_backend);
  return 0;
}
