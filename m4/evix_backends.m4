# evix_backends.m4 - which kernel event interfaces can be compiled in.
#
# Each backend gets --disable-NAME, a HAVE_BACKEND_NAME define in config.h
# and an automake conditional BACKEND_NAME that adds its source file.
# Which of the compiled backends is used is decided at run time.

# EVIX_BACKEND(name, NAME, header, function)
AC_DEFUN([EVIX_BACKEND], [
  AC_ARG_ENABLE([$1],
    [AS_HELP_STRING([--disable-$1], [do not build the $1 backend])],
    [], [enable_$1=yes])
  evix_have_$1=no
  AS_IF([test "x$enable_$1" != xno], [
    AC_CHECK_HEADER([$3], [AC_CHECK_FUNC([$4], [evix_have_$1=yes])])
  ])
  AS_IF([test "x$evix_have_$1" = xyes], [
    AC_DEFINE([HAVE_BACKEND_$2], [1], [Define to build the $1 backend.])
    evix_backends="$evix_backends $1"
  ])
  AM_CONDITIONAL([BACKEND_$2], [test "x$evix_have_$1" = xyes])
])

# io_uring has no libc function to look for: the backend makes the system
# calls itself, so the kernel header is all it needs at build time.  Whether
# the running kernel allows io_uring is decided at run time.
AC_DEFUN([EVIX_BACKEND_IOURING], [
  AC_ARG_ENABLE([iouring],
    [AS_HELP_STRING([--disable-iouring], [do not build the io_uring backend])],
    [], [enable_iouring=auto])
  evix_have_iouring=no
  AS_IF([test "x$enable_iouring" != xno], [
    AC_CACHE_CHECK([for linux/io_uring.h with poll requests],
      [evix_cv_iouring_header], [
      AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#include <linux/io_uring.h>
#include <sys/syscall.h>
]], [[
struct io_uring_params p;
struct io_uring_sqe sqe;
sqe.opcode = IORING_OP_POLL_REMOVE;
sqe.poll_events = 1;
p.features = IORING_FEAT_NODROP;
(void)sqe;
(void)p;
return IORING_OFF_SQES == 0;
]])], [evix_cv_iouring_header=yes], [evix_cv_iouring_header=no])])
    evix_have_iouring=$evix_cv_iouring_header
  ])
  AS_IF([test "x$enable_iouring" = xyes && test "x$evix_have_iouring" != xyes],
    [AC_MSG_ERROR([--enable-iouring given, but linux/io_uring.h is missing or too old])])
  AS_IF([test "x$evix_have_iouring" = xyes], [
    AC_DEFINE([HAVE_BACKEND_IOURING], [1], [Define to build the io_uring backend.])
    evix_backends="$evix_backends io_uring"
  ])
  AM_CONDITIONAL([BACKEND_IOURING], [test "x$evix_have_iouring" = xyes])
])

AC_DEFUN([EVIX_CHECK_BACKENDS], [
  evix_backends=
  EVIX_BACKEND_IOURING
  EVIX_BACKEND([kqueue], [KQUEUE_NATIVE], [sys/event.h], [kqueue])

  dnl Linux has no kqueue.  For the test suite, the kqueue backend can be
  dnl built against an emulation of kqueue()/kevent() on poll(2) that lives
  dnl in t/kqueue/.  Such a library is a test build: it must not be
  dnl installed (make install refuses).
  AC_ARG_ENABLE([kqueue-emulation],
    [AS_HELP_STRING([--enable-kqueue-emulation],
                    [test builds only: build the kqueue backend against the
                     emulation in t/kqueue (never install the result)])],
    [], [enable_kqueue_emulation=no])
  AS_IF([test "x$enable_kqueue_emulation" = xyes], [
    AS_IF([test "x$evix_have_kqueue" = xyes],
      [AC_MSG_ERROR([--enable-kqueue-emulation: this system has a real kqueue])])
    evix_have_kqueue=emulated
    evix_backends="$evix_backends kqueue(EMULATED-for-tests)"
  ])
  AS_IF([test "x$evix_have_kqueue" != xno],
    [AC_DEFINE([HAVE_BACKEND_KQUEUE], [1], [Define to build the kqueue backend.])])
  AM_CONDITIONAL([BACKEND_KQUEUE], [test "x$evix_have_kqueue" != xno])
  AM_CONDITIONAL([KQUEUE_EMULATION], [test "x$evix_have_kqueue" = xemulated])

  EVIX_BACKEND([epoll], [EPOLL], [sys/epoll.h], [epoll_create1])
  EVIX_BACKEND([poll], [POLL], [poll.h], [poll])
  EVIX_BACKEND([select], [SELECT], [sys/select.h], [select])
  AS_IF([test -z "$evix_backends"],
    [AC_MSG_ERROR([no usable event backend (epoll, poll or select) found])])
  AC_CHECK_HEADERS([sys/eventfd.h sys/signalfd.h sys/timerfd.h sys/inotify.h])
  AC_CHECK_FUNCS([pipe2 eventfd accept4 signalfd timerfd_create inotify_init1 \
                  epoll_pwait2 ppoll])
])
