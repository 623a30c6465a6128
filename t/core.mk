## t/core.mk - TAP tests of the loop core: lifecycle, ev_run modes,
## pending order, hooks, time, backend selection, misuse, libev 3 names,
## C++ use of the header, and the header ABI.  Each libev-API program is
## built against evix and, when the system libev is installed, against
## libev as well (the -libev twin).

## default loop, ev_loop_new/destroy, fds, version, userdata
check_PROGRAMS += t/loop_lifecycle
TESTS += t/loop_lifecycle
t_loop_lifecycle_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_loop_lifecycle_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/loop_lifecycle-libev
TESTS += t/loop_lifecycle-libev
t_loop_lifecycle_libev_SOURCES = t/loop_lifecycle.c
t_loop_lifecycle_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_loop_lifecycle_libev_LDADD = $(T_LIBEV_LIBS)
endif

## ev_run flags and return value, ev_break, ev_depth, refcount
check_PROGRAMS += t/run_modes
TESTS += t/run_modes
t_run_modes_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_run_modes_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/run_modes-libev
TESTS += t/run_modes-libev
t_run_modes_libev_SOURCES = t/run_modes.c
t_run_modes_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_run_modes_libev_LDADD = $(T_LIBEV_LIBS)
endif

## pending queue order, priorities, feed/clear/invoke
check_PROGRAMS += t/pending_order
TESTS += t/pending_order
t_pending_order_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_pending_order_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/pending_order-libev
TESTS += t/pending_order-libev
t_pending_order_libev_SOURCES = t/pending_order.c
t_pending_order_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_pending_order_libev_LDADD = $(T_LIBEV_LIBS)
endif

## invoke-pending hook, release/acquire, allocator, syserr
check_PROGRAMS += t/hooks
TESTS += t/hooks
t_hooks_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_hooks_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/hooks-libev
TESTS += t/hooks-libev
t_hooks_libev_SOURCES = t/hooks.c
t_hooks_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_hooks_libev_LDADD = $(T_LIBEV_LIBS)
endif

## ev_now, ev_now_update, ev_time, ev_sleep
check_PROGRAMS += t/time_now
TESTS += t/time_now
t_time_now_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_time_now_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/time_now-libev
TESTS += t/time_now-libev
t_time_now_libev_SOURCES = t/time_now.c
t_time_now_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_time_now_libev_LDADD = $(T_LIBEV_LIBS)
endif

## backend choice, query functions, LIBEV_FLAGS
check_PROGRAMS += t/backend_select
TESTS += t/backend_select
t_backend_select_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_backend_select_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/backend_select-libev
TESTS += t/backend_select-libev
t_backend_select_libev_SOURCES = t/backend_select.c
t_backend_select_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_backend_select_libev_LDADD = $(T_LIBEV_LIBS)
endif

## misuse that aborts, and its legal neighbours
check_PROGRAMS += t/misuse
TESTS += t/misuse
t_misuse_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_misuse_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/misuse-libev
TESTS += t/misuse-libev
t_misuse_libev_SOURCES = t/misuse.c
t_misuse_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_misuse_libev_LDADD = $(T_LIBEV_LIBS)
endif

## EV_COMPAT3 names and the EV_P / EV_A macro style
check_PROGRAMS += t/compat3
TESTS += t/compat3
t_compat3_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_compat3_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/compat3-libev
TESTS += t/compat3-libev
t_compat3_libev_SOURCES = t/compat3.c
t_compat3_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_compat3_libev_LDADD = $(T_LIBEV_LIBS)
endif

## ev.h from C++: default arguments, lambdas, noexcept hooks
check_PROGRAMS += t/header_cxx
TESTS += t/header_cxx
t_header_cxx_SOURCES = t/header_cxx.cc
t_header_cxx_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_header_cxx_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/header_cxx-libev
TESTS += t/header_cxx-libev
t_header_cxx_libev_SOURCES = t/header_cxx.cc
t_header_cxx_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_header_cxx_libev_LDADD = $(T_LIBEV_LIBS)
endif

## Header ABI: t/abi_probe prints what a program compiled against evix's
## ev.h bakes in, t/abi_probe-libev the same for libev's; t/abi.sh compares
## them (and builds C++17 and -Os variants on the fly).  The probes only
## use the header, so they link no event library.
check_PROGRAMS += t/abi_probe
t_abi_probe_CPPFLAGS = -I$(top_srcdir)/include
t_abi_probe_LDADD =
if HAVE_LIBEV
check_PROGRAMS += t/abi_probe-libev
t_abi_probe_libev_SOURCES = t/abi_probe.c
t_abi_probe_libev_CPPFLAGS = -DEVIX_TEST_LIBEV
t_abi_probe_libev_LDADD =
endif
TESTS += t/abi.sh
EXTRA_DIST += t/abi.sh
