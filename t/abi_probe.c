/* abi_probe.c - prints what a program compiled against an ev.h bakes in:
 * sizes, alignments, field offsets and sizes, constants, configuration
 * macros, and the exact bytes the watcher macros write.  One fact per
 * line, "category.name value", so that t/abi.sh can compare the output
 * for evix's header with the output for libev's line by line.
 *
 * Only the header is used (no library call), so the program needs no
 * library to link.  It also compiles as C++ (t/abi.sh does that on the
 * fly), where it adds facts about noexcept and default arguments.
 */
#include <ev.h>

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
#include <type_traits>
#include <utility>
#endif

/* A name without a space for the union, for the "name value" lines. */
typedef union ev_any_watcher ev_any_watcher;

/* ---- output helpers ----------------------------------------------------- */

static void
put_num(const char *cat, const char *name, long long v)
{
  printf("%s.%s %lld\n", cat, name, v);
}

static void
put_str(const char *cat, const char *name, const char *v)
{
  printf("%s.%s %s\n", cat, name, v);
}

static void
put_bytes(const char *cat, const char *name, const void *p, size_t n)
{
  const unsigned char *b = (const unsigned char *)p;
  size_t i;
  printf("%s.%s ", cat, name);
  for (i = 0; i < n; ++i)
    printf("%02x", b[i]);
  putchar('\n');
}

#define ALIGN_OF(T) __alignof__(T)
#define FIELD_SIZE(T, f) sizeof(((T *)0)->f)

#define TYPE(T)                                                            \
  do {                                                                     \
    put_num("sizeof", #T, (long long)sizeof(T));                           \
    put_num("align", #T, (long long)ALIGN_OF(T));                          \
  } while (0)

#define FIELD(T, f)                                                        \
  do {                                                                     \
    put_num("offset", #T "." #f, (long long)offsetof(T, f));               \
    put_num("fieldsize", #T "." #f, (long long)FIELD_SIZE(T, f));          \
  } while (0)

/* The head every watcher type shares. */
#define HEAD(T)                                                            \
  do {                                                                     \
    FIELD(T, active);                                                      \
    FIELD(T, pending);                                                     \
    FIELD(T, priority);                                                    \
    FIELD(T, data);                                                        \
    FIELD(T, cb);                                                          \
  } while (0)

/* A constant: its value, and whether its type is signed and how wide. */
#define CONST(X)                                                           \
  do {                                                                     \
    put_num("const", #X, (long long)(X));                                  \
    put_str("consttype", #X, ((X) * 0 - 1 > 0) ? "unsigned" : "signed");  \
    put_num("constsize", #X, (long long)sizeof(X));                        \
  } while (0)

/* A configuration macro that might not be defined at all. */
#define MACRO_DEFINED(X) put_num("macro", #X, (long long)(X))
#define MACRO_UNDEFINED(X) put_str("macro", #X, "undefined")

/* ---- layout ------------------------------------------------------------- */

static void
probe_layout(void)
{
  TYPE(ev_tstamp);
  put_num("type", "ev_tstamp_is_floating", (ev_tstamp)1 / 2 != 0);
  TYPE(ev_statdata);
  TYPE(sig_atomic_t);
#ifdef EV_ATOMIC_T
  TYPE(EV_ATOMIC_T);
#else
  put_str("sizeof", "EV_ATOMIC_T", "undefined");
#endif
  TYPE(ev_watcher);
  TYPE(ev_watcher_list);
  TYPE(ev_watcher_time);
  TYPE(ev_io);
  TYPE(ev_timer);
  TYPE(ev_periodic);
  TYPE(ev_signal);
  TYPE(ev_child);
  TYPE(ev_stat);
  TYPE(ev_idle);
  TYPE(ev_prepare);
  TYPE(ev_check);
  TYPE(ev_fork);
  TYPE(ev_cleanup);
  TYPE(ev_embed);
  TYPE(ev_async);
  TYPE(ev_any_watcher);

  HEAD(ev_watcher);

  HEAD(ev_watcher_list);
  FIELD(ev_watcher_list, next);

  HEAD(ev_watcher_time);
  FIELD(ev_watcher_time, at);

  HEAD(ev_io);
  FIELD(ev_io, next);
  FIELD(ev_io, fd);
  FIELD(ev_io, events);

  HEAD(ev_timer);
  FIELD(ev_timer, at);
  FIELD(ev_timer, repeat);

  HEAD(ev_periodic);
  FIELD(ev_periodic, at);
  FIELD(ev_periodic, offset);
  FIELD(ev_periodic, interval);
  FIELD(ev_periodic, reschedule_cb);

  HEAD(ev_signal);
  FIELD(ev_signal, next);
  FIELD(ev_signal, signum);

  HEAD(ev_child);
  FIELD(ev_child, next);
  FIELD(ev_child, flags);
  FIELD(ev_child, pid);
  FIELD(ev_child, rpid);
  FIELD(ev_child, rstatus);

  HEAD(ev_stat);
  FIELD(ev_stat, next);
  FIELD(ev_stat, timer);
  FIELD(ev_stat, interval);
  FIELD(ev_stat, path);
  FIELD(ev_stat, prev);
  FIELD(ev_stat, attr);
  FIELD(ev_stat, wd);
  FIELD(ev_stat, attr.st_dev);
  FIELD(ev_stat, attr.st_ino);
  FIELD(ev_stat, attr.st_mode);
  FIELD(ev_stat, attr.st_nlink);
  FIELD(ev_stat, attr.st_size);
  FIELD(ev_stat, attr.st_mtime);

  HEAD(ev_idle);
  HEAD(ev_prepare);
  HEAD(ev_check);
  HEAD(ev_fork);
  HEAD(ev_cleanup);

  HEAD(ev_embed);
  FIELD(ev_embed, other);
  FIELD(ev_embed, io);
  FIELD(ev_embed, prepare);
  FIELD(ev_embed, check);
  FIELD(ev_embed, timer);
  FIELD(ev_embed, periodic);
  FIELD(ev_embed, idle);
  FIELD(ev_embed, fork);
  FIELD(ev_embed, cleanup);

  HEAD(ev_async);
  FIELD(ev_async, sent);

  FIELD(ev_any_watcher, w);
  FIELD(ev_any_watcher, wl);
  FIELD(ev_any_watcher, io);
  FIELD(ev_any_watcher, timer);
  FIELD(ev_any_watcher, periodic);
  FIELD(ev_any_watcher, signal);
  FIELD(ev_any_watcher, child);
  FIELD(ev_any_watcher, stat);
  FIELD(ev_any_watcher, idle);
  FIELD(ev_any_watcher, prepare);
  FIELD(ev_any_watcher, check);
  FIELD(ev_any_watcher, fork);
  FIELD(ev_any_watcher, cleanup);
  FIELD(ev_any_watcher, embed);
  FIELD(ev_any_watcher, async);
}

/* ---- constants ---------------------------------------------------------- */

static void
probe_constants(void)
{
  CONST(EV_UNDEF);
  CONST(EV_NONE);
  CONST(EV_READ);
  CONST(EV_WRITE);
  CONST(EV__IOFDSET);
  CONST(EV_IO);
  CONST(EV_TIMER);
  CONST(EV_TIMEOUT);
  CONST(EV_PERIODIC);
  CONST(EV_SIGNAL);
  CONST(EV_CHILD);
  CONST(EV_STAT);
  CONST(EV_IDLE);
  CONST(EV_PREPARE);
  CONST(EV_CHECK);
  CONST(EV_EMBED);
  CONST(EV_FORK);
  CONST(EV_CLEANUP);
  CONST(EV_ASYNC);
  CONST(EV_CUSTOM);
  CONST(EV_ERROR);

  CONST(EVFLAG_AUTO);
  CONST(EVFLAG_NOENV);
  CONST(EVFLAG_FORKCHECK);
  CONST(EVFLAG_NOINOTIFY);
  CONST(EVFLAG_NOSIGFD);
  CONST(EVFLAG_SIGNALFD);
  CONST(EVFLAG_NOSIGMASK);
  CONST(EVFLAG_NOTIMERFD);

  CONST(EVBACKEND_SELECT);
  CONST(EVBACKEND_POLL);
  CONST(EVBACKEND_EPOLL);
  CONST(EVBACKEND_KQUEUE);
  CONST(EVBACKEND_DEVPOLL);
  CONST(EVBACKEND_PORT);
  CONST(EVBACKEND_LINUXAIO);
  CONST(EVBACKEND_IOURING);
  CONST(EVBACKEND_ALL);
  CONST(EVBACKEND_MASK);

  CONST(EVRUN_NOWAIT);
  CONST(EVRUN_ONCE);
  CONST(EVBREAK_CANCEL);
  CONST(EVBREAK_ONE);
  CONST(EVBREAK_ALL);
  CONST(EVLOOP_NONBLOCK);
  CONST(EVLOOP_ONESHOT);
  CONST(EVUNLOOP_CANCEL);
  CONST(EVUNLOOP_ONE);
  CONST(EVUNLOOP_ALL);

  CONST(EV_MINPRI);
  CONST(EV_MAXPRI);
  CONST(EV_VERSION_MAJOR);
  CONST(EV_VERSION_MINOR);
}

static void
probe_macros(void)
{
#ifdef EV_FEATURES
  MACRO_DEFINED(EV_FEATURES);
#else
  MACRO_UNDEFINED(EV_FEATURES);
#endif
#ifdef EV_MULTIPLICITY
  MACRO_DEFINED(EV_MULTIPLICITY);
#else
  MACRO_UNDEFINED(EV_MULTIPLICITY);
#endif
#ifdef EV_COMPAT3
  MACRO_DEFINED(EV_COMPAT3);
#else
  MACRO_UNDEFINED(EV_COMPAT3);
#endif
#ifdef EV_PROTOTYPES
  MACRO_DEFINED(EV_PROTOTYPES);
#else
  MACRO_UNDEFINED(EV_PROTOTYPES);
#endif
#ifdef EV_FEATURE_CODE
  MACRO_DEFINED(EV_FEATURE_CODE);
#else
  MACRO_UNDEFINED(EV_FEATURE_CODE);
#endif
#ifdef EV_FEATURE_DATA
  MACRO_DEFINED(EV_FEATURE_DATA);
#else
  MACRO_UNDEFINED(EV_FEATURE_DATA);
#endif
#ifdef EV_FEATURE_CONFIG
  MACRO_DEFINED(EV_FEATURE_CONFIG);
#else
  MACRO_UNDEFINED(EV_FEATURE_CONFIG);
#endif
#ifdef EV_FEATURE_API
  MACRO_DEFINED(EV_FEATURE_API);
#else
  MACRO_UNDEFINED(EV_FEATURE_API);
#endif
#ifdef EV_FEATURE_WATCHERS
  MACRO_DEFINED(EV_FEATURE_WATCHERS);
#else
  MACRO_UNDEFINED(EV_FEATURE_WATCHERS);
#endif
#ifdef EV_FEATURE_BACKENDS
  MACRO_DEFINED(EV_FEATURE_BACKENDS);
#else
  MACRO_UNDEFINED(EV_FEATURE_BACKENDS);
#endif
#ifdef EV_FEATURE_OS
  MACRO_DEFINED(EV_FEATURE_OS);
#else
  MACRO_UNDEFINED(EV_FEATURE_OS);
#endif
#ifdef EV_IO_ENABLE
  MACRO_DEFINED(EV_IO_ENABLE);
#else
  MACRO_UNDEFINED(EV_IO_ENABLE);
#endif
#ifdef EV_PERIODIC_ENABLE
  MACRO_DEFINED(EV_PERIODIC_ENABLE);
#else
  MACRO_UNDEFINED(EV_PERIODIC_ENABLE);
#endif
#ifdef EV_STAT_ENABLE
  MACRO_DEFINED(EV_STAT_ENABLE);
#else
  MACRO_UNDEFINED(EV_STAT_ENABLE);
#endif
#ifdef EV_PREPARE_ENABLE
  MACRO_DEFINED(EV_PREPARE_ENABLE);
#else
  MACRO_UNDEFINED(EV_PREPARE_ENABLE);
#endif
#ifdef EV_CHECK_ENABLE
  MACRO_DEFINED(EV_CHECK_ENABLE);
#else
  MACRO_UNDEFINED(EV_CHECK_ENABLE);
#endif
#ifdef EV_IDLE_ENABLE
  MACRO_DEFINED(EV_IDLE_ENABLE);
#else
  MACRO_UNDEFINED(EV_IDLE_ENABLE);
#endif
#ifdef EV_FORK_ENABLE
  MACRO_DEFINED(EV_FORK_ENABLE);
#else
  MACRO_UNDEFINED(EV_FORK_ENABLE);
#endif
#ifdef EV_CLEANUP_ENABLE
  MACRO_DEFINED(EV_CLEANUP_ENABLE);
#else
  MACRO_UNDEFINED(EV_CLEANUP_ENABLE);
#endif
#ifdef EV_SIGNAL_ENABLE
  MACRO_DEFINED(EV_SIGNAL_ENABLE);
#else
  MACRO_UNDEFINED(EV_SIGNAL_ENABLE);
#endif
#ifdef EV_CHILD_ENABLE
  MACRO_DEFINED(EV_CHILD_ENABLE);
#else
  MACRO_UNDEFINED(EV_CHILD_ENABLE);
#endif
#ifdef EV_ASYNC_ENABLE
  MACRO_DEFINED(EV_ASYNC_ENABLE);
#else
  MACRO_UNDEFINED(EV_ASYNC_ENABLE);
#endif
#ifdef EV_EMBED_ENABLE
  MACRO_DEFINED(EV_EMBED_ENABLE);
#else
  MACRO_UNDEFINED(EV_EMBED_ENABLE);
#endif
#ifdef EV_WALK_ENABLE
  MACRO_DEFINED(EV_WALK_ENABLE);
#else
  MACRO_UNDEFINED(EV_WALK_ENABLE);
#endif
}

/* ---- what the watcher macros write -------------------------------------- */

/* Fixed, recognisable pointer values, so that both probes print the same
 * bytes; none of them is ever dereferenced or called. */
#define FAKE_PTR(T, v) ((T)(uintptr_t)(v))
#define FIELD_TYPE(W, f) __typeof__(((W *)0)->f)
#define FAKE_CB(W) FAKE_PTR(FIELD_TYPE(W, cb), 0x1122334455667788ULL)
#define FAKE_CB2(W) FAKE_PTR(FIELD_TYPE(W, cb), 0x0123456789abcdefULL)
#define FAKE_RCB                                                           \
  FAKE_PTR(FIELD_TYPE(ev_periodic, reschedule_cb), 0x2233445566778899ULL)
#define FAKE_PATH FAKE_PTR(const char *, 0x3344556677889900ULL)
#define FAKE_LOOP FAKE_PTR(struct ev_loop *, 0x4455667788990011ULL)

#define DUMP(W, name, stmt)                                                \
  do {                                                                     \
    W w_;                                                                  \
    memset(&w_, 0xA5, sizeof w_);                                          \
    stmt;                                                                  \
    put_bytes("dump", name, &w_, sizeof w_);                               \
  } while (0)

static void
probe_writers(void)
{
  DUMP(ev_watcher, "ev_init(ev_watcher)", ev_init(&w_, FAKE_CB(ev_watcher)));
  DUMP(ev_io, "ev_init(ev_io)", ev_init(&w_, FAKE_CB(ev_io)));
  DUMP(ev_io, "ev_io_init", ev_io_init(&w_, FAKE_CB(ev_io), 7, EV_READ));
  DUMP(ev_io, "ev_io_init(rw)",
       ev_io_init(&w_, FAKE_CB(ev_io), 1000, EV_READ | EV_WRITE));
  DUMP(ev_io, "ev_io_init(0)", ev_io_init(&w_, FAKE_CB(ev_io), 3, 0));
  DUMP(ev_io, "ev_io_set", ev_io_set(&w_, 9, EV_WRITE));
  DUMP(ev_io, "ev_io_modify", ev_io_modify(&w_, EV_WRITE));
  DUMP(ev_io, "ev_io_set+ev_io_modify",
       do {
         ev_io_set(&w_, 9, EV_READ);
         ev_io_modify(&w_, EV_WRITE);
       } while (0));
  DUMP(ev_io, "ev_io_modify(after clear)",
       do {
         w_.events = EV_READ;
         ev_io_modify(&w_, EV_READ | EV_WRITE);
       } while (0));
  DUMP(ev_timer, "ev_timer_init",
       ev_timer_init(&w_, FAKE_CB(ev_timer), 1.5, 2.25));
  DUMP(ev_timer, "ev_timer_set", ev_timer_set(&w_, -3., 0.));
  DUMP(ev_periodic, "ev_periodic_init",
       ev_periodic_init(&w_, FAKE_CB(ev_periodic), 10., 3600., FAKE_RCB));
  DUMP(ev_periodic, "ev_periodic_set", ev_periodic_set(&w_, 0.5, 0., 0));
  DUMP(ev_signal, "ev_signal_init",
       ev_signal_init(&w_, FAKE_CB(ev_signal), SIGUSR1));
  DUMP(ev_signal, "ev_signal_set", ev_signal_set(&w_, SIGINT));
  DUMP(ev_child, "ev_child_init",
       ev_child_init(&w_, FAKE_CB(ev_child), 4242, 5));
  DUMP(ev_child, "ev_child_set", ev_child_set(&w_, 0, 0));
  DUMP(ev_stat, "ev_stat_init",
       ev_stat_init(&w_, FAKE_CB(ev_stat), FAKE_PATH, 0.75));
  DUMP(ev_stat, "ev_stat_set", ev_stat_set(&w_, FAKE_PATH, 0.));
  DUMP(ev_idle, "ev_idle_init", ev_idle_init(&w_, FAKE_CB(ev_idle)));
  DUMP(ev_idle, "ev_idle_set", ev_idle_set(&w_));
  DUMP(ev_prepare, "ev_prepare_init",
       ev_prepare_init(&w_, FAKE_CB(ev_prepare)));
  DUMP(ev_prepare, "ev_prepare_set", ev_prepare_set(&w_));
  DUMP(ev_check, "ev_check_init", ev_check_init(&w_, FAKE_CB(ev_check)));
  DUMP(ev_check, "ev_check_set", ev_check_set(&w_));
  DUMP(ev_fork, "ev_fork_init", ev_fork_init(&w_, FAKE_CB(ev_fork)));
  DUMP(ev_fork, "ev_fork_set", ev_fork_set(&w_));
  DUMP(ev_cleanup, "ev_cleanup_init",
       ev_cleanup_init(&w_, FAKE_CB(ev_cleanup)));
  DUMP(ev_cleanup, "ev_cleanup_set", ev_cleanup_set(&w_));
  DUMP(ev_embed, "ev_embed_init",
       ev_embed_init(&w_, FAKE_CB(ev_embed), FAKE_LOOP));
  DUMP(ev_embed, "ev_embed_set", ev_embed_set(&w_, FAKE_LOOP));
  DUMP(ev_async, "ev_async_init", ev_async_init(&w_, FAKE_CB(ev_async)));
  DUMP(ev_async, "ev_async_set", ev_async_set(&w_));
  DUMP(ev_timer, "ev_set_priority(2)", ev_set_priority(&w_, 2));
  DUMP(ev_timer, "ev_set_priority(-2)", ev_set_priority(&w_, -2));
  DUMP(ev_io, "ev_set_cb", ev_set_cb(&w_, FAKE_CB2(ev_io)));
  DUMP(ev_stat, "ev_set_cb(ev_stat)", ev_set_cb(&w_, FAKE_CB2(ev_stat)));
}

/* What the reading macros return for a watcher full of known bytes. */
static void
fill_pattern(void *p, size_t n)
{
  unsigned char *b = (unsigned char *)p;
  size_t i;
  for (i = 0; i < n; ++i)
    b[i] = (unsigned char)(i * 7 + 1);
}

static void
probe_readers(void)
{
  ev_periodic p;
  ev_async a;
  ev_timer t;
  ev_tstamp at;
  uintptr_t cb;

  fill_pattern(&p, sizeof p);
  put_num("read", "ev_is_active", (long long)ev_is_active(&p));
  put_num("read", "ev_is_pending", (long long)ev_is_pending(&p));
  put_num("read", "ev_priority", (long long)ev_priority(&p));
  at = ev_periodic_at(&p);
  put_bytes("read", "ev_periodic_at", &at, sizeof at);
  cb = (uintptr_t)ev_cb(&p);
  put_bytes("read", "ev_cb", &cb, sizeof cb);
  put_bytes("read", "ev_cb(state after)", &p, sizeof p);

  fill_pattern(&a, sizeof a);
  put_num("read", "ev_async_pending", (long long)ev_async_pending(&a));
  a.sent = 0;
  put_num("read", "ev_async_pending(0)", (long long)ev_async_pending(&a));

  memset(&t, 0, sizeof t);
  t.active = 3;
  t.pending = 1;
  t.priority = -2;
  put_num("read", "ev_is_active(3)", (long long)ev_is_active(&t));
  put_num("read", "ev_is_pending(1)", (long long)ev_is_pending(&t));
  put_num("read", "ev_priority(-2)", (long long)ev_priority(&t));
}

/* ---- C++ only: noexcept and default arguments --------------------------- */

#ifdef __cplusplus
#define NOEXCEPT(name, call) put_num("noexcept", name, noexcept(call) ? 1 : 0)

static struct ev_loop *const L = 0;

static void
probe_noexcept(void)
{
  void *w = 0;
  NOEXCEPT("ev_version_major", ev_version_major());
  NOEXCEPT("ev_version_minor", ev_version_minor());
  NOEXCEPT("ev_supported_backends", ev_supported_backends());
  NOEXCEPT("ev_recommended_backends", ev_recommended_backends());
  NOEXCEPT("ev_embeddable_backends", ev_embeddable_backends());
  NOEXCEPT("ev_time", ev_time());
  NOEXCEPT("ev_sleep", ev_sleep(0.));
  NOEXCEPT("ev_set_allocator", ev_set_allocator(0));
  NOEXCEPT("ev_set_syserr_cb", ev_set_syserr_cb(0));
  NOEXCEPT("ev_feed_signal", ev_feed_signal(0));
  NOEXCEPT("ev_default_loop", ev_default_loop(0));
  NOEXCEPT("ev_default_loop_uc_", ev_default_loop_uc_());
  NOEXCEPT("ev_is_default_loop", ev_is_default_loop(L));
  NOEXCEPT("ev_loop_new", ev_loop_new(0));
  NOEXCEPT("ev_loop_destroy", ev_loop_destroy(L));
  NOEXCEPT("ev_loop_fork", ev_loop_fork(L));
  NOEXCEPT("ev_backend", ev_backend(L));
  NOEXCEPT("ev_now", ev_now(L));
  NOEXCEPT("ev_now_update", ev_now_update(L));
  NOEXCEPT("ev_run", ev_run(L, 0));
  NOEXCEPT("ev_break", ev_break(L, 0));
  NOEXCEPT("ev_ref", ev_ref(L));
  NOEXCEPT("ev_unref", ev_unref(L));
  NOEXCEPT("ev_once", ev_once(L, 0, 0, 0., 0, 0));
  NOEXCEPT("ev_iteration", ev_iteration(L));
  NOEXCEPT("ev_depth", ev_depth(L));
  NOEXCEPT("ev_verify", ev_verify(L));
  NOEXCEPT("ev_set_io_collect_interval", ev_set_io_collect_interval(L, 0.));
  NOEXCEPT("ev_set_timeout_collect_interval",
           ev_set_timeout_collect_interval(L, 0.));
  NOEXCEPT("ev_set_userdata", ev_set_userdata(L, 0));
  NOEXCEPT("ev_userdata", ev_userdata(L));
  NOEXCEPT("ev_set_invoke_pending_cb", ev_set_invoke_pending_cb(L, 0));
  NOEXCEPT("ev_set_loop_release_cb", ev_set_loop_release_cb(L, 0, 0));
  NOEXCEPT("ev_pending_count", ev_pending_count(L));
  NOEXCEPT("ev_invoke_pending", ev_invoke_pending(L));
  NOEXCEPT("ev_suspend", ev_suspend(L));
  NOEXCEPT("ev_resume", ev_resume(L));
  NOEXCEPT("ev_feed_event", ev_feed_event(L, w, 0));
  NOEXCEPT("ev_feed_fd_event", ev_feed_fd_event(L, 0, 0));
  NOEXCEPT("ev_feed_signal_event", ev_feed_signal_event(L, 0));
  NOEXCEPT("ev_invoke", ev_invoke(L, w, 0));
  NOEXCEPT("ev_clear_pending", ev_clear_pending(L, w));
  NOEXCEPT("ev_io_start", ev_io_start(L, 0));
  NOEXCEPT("ev_io_stop", ev_io_stop(L, 0));
  NOEXCEPT("ev_timer_start", ev_timer_start(L, 0));
  NOEXCEPT("ev_timer_stop", ev_timer_stop(L, 0));
  NOEXCEPT("ev_timer_again", ev_timer_again(L, 0));
  NOEXCEPT("ev_timer_remaining", ev_timer_remaining(L, 0));
  NOEXCEPT("ev_periodic_start", ev_periodic_start(L, 0));
  NOEXCEPT("ev_periodic_stop", ev_periodic_stop(L, 0));
  NOEXCEPT("ev_periodic_again", ev_periodic_again(L, 0));
  NOEXCEPT("ev_signal_start", ev_signal_start(L, 0));
  NOEXCEPT("ev_signal_stop", ev_signal_stop(L, 0));
  NOEXCEPT("ev_child_start", ev_child_start(L, 0));
  NOEXCEPT("ev_child_stop", ev_child_stop(L, 0));
  NOEXCEPT("ev_stat_start", ev_stat_start(L, 0));
  NOEXCEPT("ev_stat_stop", ev_stat_stop(L, 0));
  NOEXCEPT("ev_stat_stat", ev_stat_stat(L, 0));
  NOEXCEPT("ev_idle_start", ev_idle_start(L, 0));
  NOEXCEPT("ev_idle_stop", ev_idle_stop(L, 0));
  NOEXCEPT("ev_prepare_start", ev_prepare_start(L, 0));
  NOEXCEPT("ev_prepare_stop", ev_prepare_stop(L, 0));
  NOEXCEPT("ev_check_start", ev_check_start(L, 0));
  NOEXCEPT("ev_check_stop", ev_check_stop(L, 0));
  NOEXCEPT("ev_fork_start", ev_fork_start(L, 0));
  NOEXCEPT("ev_fork_stop", ev_fork_stop(L, 0));
  NOEXCEPT("ev_cleanup_start", ev_cleanup_start(L, 0));
  NOEXCEPT("ev_cleanup_stop", ev_cleanup_stop(L, 0));
  NOEXCEPT("ev_embed_start", ev_embed_start(L, 0));
  NOEXCEPT("ev_embed_stop", ev_embed_stop(L, 0));
  NOEXCEPT("ev_embed_sweep", ev_embed_sweep(L, 0));
  NOEXCEPT("ev_async_start", ev_async_start(L, 0));
  NOEXCEPT("ev_async_stop", ev_async_stop(L, 0));
  NOEXCEPT("ev_async_send", ev_async_send(L, 0));
  NOEXCEPT("ev_loop", ev_loop(L, 0));
  NOEXCEPT("ev_unloop", ev_unloop(L, 0));
  NOEXCEPT("ev_default_destroy", ev_default_destroy());
  NOEXCEPT("ev_default_fork", ev_default_fork());
  NOEXCEPT("ev_loop_count", ev_loop_count(L));
  NOEXCEPT("ev_loop_depth", ev_loop_depth(L));
  NOEXCEPT("ev_loop_verify", ev_loop_verify(L));
}

/* Whether a callback that is not declared noexcept is accepted. */
static void *plain_alloc(void *, long) { return 0; }
static void plain_syserr(const char *) {}
static void plain_loop_cb(struct ev_loop *) {}
static void plain_once_cb(int, void *) {}

template <class F>
static auto
takes_allocator(F f, int) -> decltype(ev_set_allocator(f), 1)
{
  return 1;
}
template <class F>
static int
takes_allocator(F, long)
{
  return 0;
}
template <class F>
static auto
takes_syserr(F f, int) -> decltype(ev_set_syserr_cb(f), 1)
{
  return 1;
}
template <class F>
static int
takes_syserr(F, long)
{
  return 0;
}
template <class F>
static auto
takes_invoke_cb(F f, int) -> decltype(ev_set_invoke_pending_cb(L, f), 1)
{
  return 1;
}
template <class F>
static int
takes_invoke_cb(F, long)
{
  return 0;
}
template <class F>
static auto
takes_release_cb(F f, int) -> decltype(ev_set_loop_release_cb(L, f, f), 1)
{
  return 1;
}
template <class F>
static int
takes_release_cb(F, long)
{
  return 0;
}
template <class F>
static auto
takes_once_cb(F f, int) -> decltype(ev_once(L, 0, 0, 0., f, 0), 1)
{
  return 1;
}
template <class F>
static int
takes_once_cb(F, long)
{
  return 0;
}

/* Whether the C++ default arguments exist. */
template <class T>
static auto
default_run(T l, int) -> decltype(ev_run(l), 1)
{
  return 1;
}
template <class T>
static int
default_run(T, long)
{
  return 0;
}
template <class T>
static auto
default_break(T l, int) -> decltype(ev_break(l), 1)
{
  return 1;
}
template <class T>
static int
default_break(T, long)
{
  return 0;
}
template <class T>
static auto
default_loop_new(T, int) -> decltype(ev_loop_new(), ev_default_loop(), 1)
{
  return 1;
}
template <class T>
static int
default_loop_new(T, long)
{
  return 0;
}

static void
probe_cxx(void)
{
  probe_noexcept();
  put_num("cxx", "plain_allocator_accepted", takes_allocator(plain_alloc, 0));
  put_num("cxx", "plain_syserr_cb_accepted", takes_syserr(plain_syserr, 0));
  put_num("cxx", "plain_invoke_pending_cb_accepted",
          takes_invoke_cb(plain_loop_cb, 0));
  put_num("cxx", "plain_release_cb_accepted",
          takes_release_cb(plain_loop_cb, 0));
  put_num("cxx", "plain_once_cb_accepted", takes_once_cb(plain_once_cb, 0));
  put_num("cxx", "default_arg_ev_run", default_run(L, 0));
  put_num("cxx", "default_arg_ev_break", default_break(L, 0));
  put_num("cxx", "default_arg_loop_new", default_loop_new(0, 0));
  put_num("cxx", "EV_ATOMIC_T_is_volatile",
          std::is_volatile<EV_ATOMIC_T>::value);
  put_num("cxx", "ev_tstamp_is_double",
          std::is_same<ev_tstamp, double>::value);
  put_num("cxx", "ev_loop_callback_is_plain",
          std::is_same<ev_loop_callback, void (*)(struct ev_loop *)>::value);
}
#endif

int
main(void)
{
#ifdef __cplusplus
  put_str("lang", "language", "c++");
#else
  put_str("lang", "language", "c");
#endif
  probe_layout();
  probe_constants();
  probe_macros();
  probe_writers();
  probe_readers();
#ifdef __cplusplus
  probe_cxx();
#endif
  return 0;
}
