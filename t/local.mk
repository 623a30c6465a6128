## t/local.mk - the TAP test suite: shared harness and wiring.
##
## Every libev-API test program is built twice: against evix, and (when the
## system libev is installed) against <ev.h> from the system with -lev.  The
## per-test lines live in the t/*.mk fragments included at the end.

LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) \
	$(top_srcdir)/build-aux/tap-driver.sh
AM_LOG_DRIVER_FLAGS = --comments
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
AM_SH_LOG_DRIVER_FLAGS = $(AM_LOG_DRIVER_FLAGS)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(top_srcdir)'; top_builddir='$(top_builddir)'; \
	CC='$(CC)'; CXX='$(CXX)'; \
	export top_srcdir top_builddir CC CXX;

T_HARNESS = t/tap.c t/tap.h t/testlib.c t/testlib.h

if KQUEUE_EMULATION
# Tests know that the evix under test has an (emulated) kqueue backend.
T_KQUEUE_CPPFLAGS = -DEVIX_TEST_KQUEUE
else
T_KQUEUE_CPPFLAGS =
endif
if BACKEND_IOURING
# Tests know that the evix under test has an io_uring backend (which the
# running kernel may still refuse).
T_IOURING_CPPFLAGS = -DEVIX_TEST_IOURING
else
T_IOURING_CPPFLAGS =
endif
if KQUEUE_EMULATION
AM_TESTS_ENVIRONMENT += EVIX_KQUEUE_EMULATION=1; export EVIX_KQUEUE_EMULATION;
endif
T_EVIX_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir)/t $(T_KQUEUE_CPPFLAGS) \
	$(T_IOURING_CPPFLAGS)
T_LIBEV_CPPFLAGS = -I$(top_srcdir)/t -DEVIX_TEST_LIBEV $(T_KQUEUE_CPPFLAGS) \
	$(T_IOURING_CPPFLAGS)

check_LIBRARIES = t/libtest-evix.a
t_libtest_evix_a_SOURCES = $(T_HARNESS)
t_libtest_evix_a_CPPFLAGS = $(T_EVIX_CPPFLAGS)
T_EVIX_LIBS = t/libtest-evix.a libevix.la $(PTHREAD_LIBS) -lm

if HAVE_LIBEV
check_LIBRARIES += t/libtest-libev.a
t_libtest_libev_a_SOURCES = $(T_HARNESS)
t_libtest_libev_a_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
T_LIBEV_LIBS = t/libtest-libev.a -lev $(PTHREAD_LIBS) -lm
endif

## Unit test of the timer heap itself (evix only), for both arities.
check_PROGRAMS += t/heap_invariant t/heap_invariant_binary
TESTS += t/heap_invariant t/heap_invariant_binary
T_INTERNAL_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir)/src \
	-I$(top_builddir)/src -I$(top_srcdir)/t
t_heap_invariant_CPPFLAGS = $(T_INTERNAL_CPPFLAGS)
t_heap_invariant_LDADD = t/libtest-evix.a $(T_EVIX_LIBS)
t_heap_invariant_binary_SOURCES = t/heap_invariant.c
t_heap_invariant_binary_CPPFLAGS = $(T_INTERNAL_CPPFLAGS) -DEVIX_HEAP_ARITY=2
t_heap_invariant_binary_LDADD = t/libtest-evix.a $(T_EVIX_LIBS)

## Binary drop-in: evix standing in for libev.so.4.  t/standin/ holds a
## libev.so.4 that is libevix; t/binary_compat.sh runs every program of the
## suite that was built against the system ev.h and linked with -lev, with
## LD_LIBRARY_PATH pointing there.
check_DATA = t/standin/libev.so.4
t/standin/libev.so.4: libevix.la
	$(AM_V_GEN)$(MKDIR_P) t/standin && rm -f $@ && \
	$(LN_S) "$(abs_top_builddir)/.libs/libevix.so.0" $@
CLEANFILES += t/standin/libev.so.4

TESTS += t/symbols.sh t/binary_compat.sh t/debian_programs.sh
EXTRA_DIST += t/symbols.sh t/binary_compat.sh t/debian_programs.sh \
	t/run-all.sh

## ev_default_loop_ptr read directly by the program (a copy relocation in a
## PIE built against libev's header).
check_PROGRAMS += t/default_loop_ptr
TESTS += t/default_loop_ptr
t_default_loop_ptr_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_default_loop_ptr_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/default_loop_ptr-libev
TESTS += t/default_loop_ptr-libev
t_default_loop_ptr_libev_SOURCES = t/default_loop_ptr.c
t_default_loop_ptr_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_default_loop_ptr_libev_LDADD = $(T_LIBEV_LIBS)
endif

## evix's own API (evix.h): the wait wrapper and evix_wake.
check_PROGRAMS += t/wait_wrapper
TESTS += t/wait_wrapper
t_wait_wrapper_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_wait_wrapper_LDADD = $(T_EVIX_LIBS)

## Per-backend edge cases (fd reuse, restart in one iteration, 10^4 fds,
## EINTR), on every backend including the emulated kqueue.
check_PROGRAMS += t/backend_cases
TESTS += t/backend_cases
t_backend_cases_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_backend_cases_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/backend_cases-libev
TESTS += t/backend_cases-libev
t_backend_cases_libev_SOURCES = t/backend_cases.c
t_backend_cases_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_backend_cases_libev_LDADD = $(T_LIBEV_LIBS)
endif
