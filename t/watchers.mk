## t/watchers.mk - TAP tests of the watcher types: io, timer, idle,
## prepare and check.  Each program is built against evix and, when the
## system libev is installed, against libev as well (the -libev twin).

check_PROGRAMS += t/io_readiness
TESTS += t/io_readiness
t_io_readiness_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_io_readiness_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/io_readiness-libev
TESTS += t/io_readiness-libev
t_io_readiness_libev_SOURCES = t/io_readiness.c
t_io_readiness_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_io_readiness_libev_LDADD = $(T_LIBEV_LIBS)
endif

check_PROGRAMS += t/io_fd_reuse
TESTS += t/io_fd_reuse
t_io_fd_reuse_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_io_fd_reuse_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/io_fd_reuse-libev
TESTS += t/io_fd_reuse-libev
t_io_fd_reuse_libev_SOURCES = t/io_fd_reuse.c
t_io_fd_reuse_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_io_fd_reuse_libev_LDADD = $(T_LIBEV_LIBS)
endif

check_PROGRAMS += t/timer_rules
TESTS += t/timer_rules
t_timer_rules_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_timer_rules_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/timer_rules-libev
TESTS += t/timer_rules-libev
t_timer_rules_libev_SOURCES = t/timer_rules.c
t_timer_rules_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_timer_rules_libev_LDADD = $(T_LIBEV_LIBS)
endif

check_PROGRAMS += t/idle_prepare_check
TESTS += t/idle_prepare_check
t_idle_prepare_check_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_idle_prepare_check_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/idle_prepare_check-libev
TESTS += t/idle_prepare_check-libev
t_idle_prepare_check_libev_SOURCES = t/idle_prepare_check.c
t_idle_prepare_check_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_idle_prepare_check_libev_LDADD = $(T_LIBEV_LIBS)
endif

check_PROGRAMS += t/timer_model
TESTS += t/timer_model
t_timer_model_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_timer_model_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/timer_model-libev
TESTS += t/timer_model-libev
t_timer_model_libev_SOURCES = t/timer_model.c
t_timer_model_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_timer_model_libev_LDADD = $(T_LIBEV_LIBS)
endif

check_PROGRAMS += t/timer_precision
TESTS += t/timer_precision
t_timer_precision_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_timer_precision_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/timer_precision-libev
TESTS += t/timer_precision-libev
t_timer_precision_libev_SOURCES = t/timer_precision.c
t_timer_precision_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_timer_precision_libev_LDADD = $(T_LIBEV_LIBS)
endif

## epoll_pwait2 failing: t/nopwait2.c is an LD_PRELOAD object (never
## installed; the -rpath only makes libtool build a shared object).
if BACKEND_EPOLL
check_LTLIBRARIES += t/libnopwait2.la
t_libnopwait2_la_SOURCES = t/nopwait2.c
t_libnopwait2_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
TESTS += t/pwait2_fallback.sh
endif
EXTRA_DIST += t/pwait2_fallback.sh
