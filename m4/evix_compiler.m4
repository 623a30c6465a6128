# evix_compiler.m4 - warning, visibility and sanitizer flags.

# EVIX_APPEND_CFLAG(variable, flag): append flag when the compiler takes it.
AC_DEFUN([EVIX_APPEND_CFLAG], [
  AC_MSG_CHECKING([whether $CC accepts $2])
  evix_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS $2 -Werror"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes]); $1="$$1 $2"],
    [AC_MSG_RESULT([no])])
  CFLAGS=$evix_save_CFLAGS
])

AC_DEFUN([EVIX_COMPILER_FLAGS], [
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
    [], [enable_werror=no])
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers],
                    [build everything with AddressSanitizer and UBSan])],
    [], [enable_sanitizers=no])

  EVIX_WARN_CFLAGS=
  EVIX_APPEND_CFLAG([EVIX_WARN_CFLAGS], [-Wall])
  EVIX_APPEND_CFLAG([EVIX_WARN_CFLAGS], [-Wextra])
  EVIX_APPEND_CFLAG([EVIX_WARN_CFLAGS], [-Wshadow])
  dnl The same warnings for C++, minus the C-only ones below.
  EVIX_WARN_CXXFLAGS=$EVIX_WARN_CFLAGS
  EVIX_APPEND_CFLAG([EVIX_WARN_CFLAGS], [-Wstrict-prototypes])
  EVIX_APPEND_CFLAG([EVIX_WARN_CFLAGS], [-Wmissing-prototypes])
  AS_IF([test "x$enable_werror" = xyes], [
    EVIX_WARN_CFLAGS="$EVIX_WARN_CFLAGS -Werror"
    EVIX_WARN_CXXFLAGS="$EVIX_WARN_CXXFLAGS -Werror"
  ])
  AC_SUBST([EVIX_WARN_CFLAGS])
  AC_SUBST([EVIX_WARN_CXXFLAGS])

  EVIX_VISIBILITY_CFLAGS=
  EVIX_APPEND_CFLAG([EVIX_VISIBILITY_CFLAGS], [-fvisibility=hidden])
  AC_SUBST([EVIX_VISIBILITY_CFLAGS])

  AS_IF([test "x$enable_sanitizers" = xyes], [
    evix_san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
    CFLAGS="$CFLAGS $evix_san"
    CXXFLAGS="$CXXFLAGS $evix_san"
    LDFLAGS="$LDFLAGS $evix_san"
  ])
  AM_CONDITIONAL([SANITIZERS], [test "x$enable_sanitizers" = xyes])
])
