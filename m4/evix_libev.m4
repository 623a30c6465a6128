# evix_libev.m4 - find the system libev, the reference evix is tested and
# benchmarked against.  It is optional: without it the libev builds of the
# tests and benchmarks are left out.

AC_DEFUN([EVIX_CHECK_SYSTEM_LIBEV], [
  AC_ARG_WITH([system-libev],
    [AS_HELP_STRING([--without-system-libev],
                    [do not test or benchmark against the installed libev])],
    [], [with_system_libev=check])
  evix_have_libev=no
  AS_IF([test "x$with_system_libev" != xno], [
    AC_CHECK_HEADER([ev.h], [
      AC_CHECK_LIB([ev], [ev_run], [evix_have_libev=yes])
    ])
  ])
  AS_IF([test "x$with_system_libev" = xyes && test "x$evix_have_libev" = xno],
    [AC_MSG_ERROR([--with-system-libev given but libev was not found])])
  AM_CONDITIONAL([HAVE_LIBEV], [test "x$evix_have_libev" = xyes])
])
