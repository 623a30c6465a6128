## t/issue3.mk - TAP tests of the remaining watcher types: signal, child,
## periodic (with a wall-clock jump), async, fork, embed, once, cleanup,
## suspend/resume.  Each program is built against evix and, when the
## system libev is installed, against libev as well (the -libev twin).

## ev_signal: delivery, ownership, disposition, feeding, signalfd, mask
check_PROGRAMS += t/signal_delivery
TESTS += t/signal_delivery
t_signal_delivery_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_signal_delivery_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/signal_delivery-libev
TESTS += t/signal_delivery-libev
t_signal_delivery_libev_SOURCES = t/signal_delivery.c
t_signal_delivery_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_signal_delivery_libev_LDADD = $(T_LIBEV_LIBS)
endif

## ev_child and the default loop's SIGCHLD handling
check_PROGRAMS += t/child_status
TESTS += t/child_status
t_child_status_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_child_status_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/child_status-libev
TESTS += t/child_status-libev
t_child_status_libev_SOURCES = t/child_status.c
t_child_status_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_child_status_libev_LDADD = $(T_LIBEV_LIBS)
endif

## ev_periodic: absolute, interval and manual modes, order, timerfd
check_PROGRAMS += t/periodic_rules
TESTS += t/periodic_rules
t_periodic_rules_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_periodic_rules_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/periodic_rules-libev
TESTS += t/periodic_rules-libev
t_periodic_rules_libev_SOURCES = t/periodic_rules.c
t_periodic_rules_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_periodic_rules_libev_LDADD = $(T_LIBEV_LIBS)
endif

## ev_async from threads and signal handlers; loops in threads
check_PROGRAMS += t/async_threads
TESTS += t/async_threads
t_async_threads_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_async_threads_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/async_threads-libev
TESTS += t/async_threads-libev
t_async_threads_libev_SOURCES = t/async_threads.c
t_async_threads_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_async_threads_libev_LDADD = $(T_LIBEV_LIBS)
endif

## ev_loop_fork, EVFLAG_FORKCHECK and ev_fork in a forked child
check_PROGRAMS += t/fork_child
TESTS += t/fork_child
t_fork_child_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_fork_child_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/fork_child-libev
TESTS += t/fork_child-libev
t_fork_child_libev_SOURCES = t/fork_child.c
t_fork_child_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_fork_child_libev_LDADD = $(T_LIBEV_LIBS)
endif

## ev_embed: an epoll loop inside an outer loop of every backend
check_PROGRAMS += t/embed_loop
TESTS += t/embed_loop
t_embed_loop_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_embed_loop_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/embed_loop-libev
TESTS += t/embed_loop-libev
t_embed_loop_libev_SOURCES = t/embed_loop.c
t_embed_loop_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_embed_loop_libev_LDADD = $(T_LIBEV_LIBS)
endif

## ev_once, ev_suspend/ev_resume, ev_cleanup, collect intervals
check_PROGRAMS += t/once_suspend_cleanup
TESTS += t/once_suspend_cleanup
t_once_suspend_cleanup_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_once_suspend_cleanup_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/once_suspend_cleanup-libev
TESTS += t/once_suspend_cleanup-libev
t_once_suspend_cleanup_libev_SOURCES = t/once_suspend_cleanup.c
t_once_suspend_cleanup_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_once_suspend_cleanup_libev_LDADD = $(T_LIBEV_LIBS)
endif

## Descriptor snapshots shared by signal_delivery and periodic_rules.
EXTRA_DIST += t/fdsnap.h

## Wall-clock jumps.  t/clockshim.c becomes an LD_PRELOAD object that
## shifts CLOCK_REALTIME, gettimeofday() and time() by an offset the test
## sets at run time; t/periodic_clock_jump re-runs itself with it
## preloaded (behind the sanitizer runtime in sanitizer builds).  The
## -rpath only makes libtool build a shared object; it is never installed.
check_LTLIBRARIES += t/libclockshim.la
t_libclockshim_la_SOURCES = t/clockshim.c
t_libclockshim_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
T_CLOCKSHIM_CPPFLAGS = \
	-DCLOCKSHIM_PATH='"$(abs_top_builddir)/t/.libs/libclockshim.so"'

check_PROGRAMS += t/periodic_clock_jump
TESTS += t/periodic_clock_jump
t_periodic_clock_jump_CPPFLAGS = $(T_EVIX_CPPFLAGS) $(T_CLOCKSHIM_CPPFLAGS)
t_periodic_clock_jump_LDADD = $(T_EVIX_LIBS) -ldl
if HAVE_LIBEV
check_PROGRAMS += t/periodic_clock_jump-libev
TESTS += t/periodic_clock_jump-libev
t_periodic_clock_jump_libev_SOURCES = t/periodic_clock_jump.c
t_periodic_clock_jump_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS) \
	$(T_CLOCKSHIM_CPPFLAGS)
t_periodic_clock_jump_libev_LDADD = $(T_LIBEV_LIBS) -ldl
endif
