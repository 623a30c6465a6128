## t/iouring.mk - tests written for the io_uring backend.  The first two
## run on every backend (and against libev, as the -libev twins); the
## third reaches into the backend and is built only with it.

## cases io_uring handles inside: stale completions, changes to queued
## requests, files kept open by requests, 10^4 fds, fork, EINTR, embedding
check_PROGRAMS += t/iouring_backend
TESTS += t/iouring_backend
t_iouring_backend_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_iouring_backend_CFLAGS = $(AM_CFLAGS) $(PTHREAD_CFLAGS)
t_iouring_backend_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/iouring_backend-libev
TESTS += t/iouring_backend-libev
t_iouring_backend_libev_SOURCES = t/iouring_backend.c
t_iouring_backend_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_iouring_backend_libev_CFLAGS = $(AM_CFLAGS) $(PTHREAD_CFLAGS)
t_iouring_backend_libev_LDADD = $(T_LIBEV_LIBS)
endif

## io_uring refused by the kernel (a seccomp filter): falling back
check_PROGRAMS += t/iouring_fallback
TESTS += t/iouring_fallback
t_iouring_fallback_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_iouring_fallback_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/iouring_fallback-libev
TESTS += t/iouring_fallback-libev
t_iouring_fallback_libev_SOURCES = t/iouring_fallback.c
t_iouring_fallback_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_iouring_fallback_libev_LDADD = $(T_LIBEV_LIBS)
endif

## the backend's paths for old kernels and rare states, through its test
## knobs; linked statically, since the knobs are not exported
if BACKEND_IOURING
check_PROGRAMS += t/iouring_internal
TESTS += t/iouring_internal
t_iouring_internal_CPPFLAGS = $(T_INTERNAL_CPPFLAGS)
t_iouring_internal_LDFLAGS = -static
t_iouring_internal_LDADD = $(T_EVIX_LIBS)
endif
