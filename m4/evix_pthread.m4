# evix_pthread.m4 - how to compile and link threaded test programs.
AC_DEFUN([EVIX_CHECK_PTHREAD], [
  PTHREAD_CFLAGS=
  EVIX_APPEND_CFLAG([PTHREAD_CFLAGS], [-pthread])
  PTHREAD_LIBS="$PTHREAD_CFLAGS"
  AC_SUBST([PTHREAD_CFLAGS])
  AC_SUBST([PTHREAD_LIBS])
])
