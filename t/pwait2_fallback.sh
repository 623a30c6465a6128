#!/bin/sh
# pwait2_fallback.sh - where epoll_pwait2 fails (ENOSYS: a kernel before
# 5.11; EPERM: a seccomp filter), the epoll backend falls back to
# epoll_wait: timers still fire, never early, with waits rounded up to a
# millisecond.  Runs t/timer_precision on epoll with t/nopwait2.c
# preloaded; that program checks the rounding when EVIX_TEST_NO_PWAIT2 is
# set, which also proves that the shim took effect.
top_builddir=${top_builddir:-.}
shim=$top_builddir/t/.libs/libnopwait2.so
prog=$top_builddir/t/timer_precision

[ -f "$shim" ] || { echo "1..0 # SKIP no $shim (static-only build)"; exit 0; }
[ -x "$prog" ] || { echo "1..0 # SKIP $prog not built"; exit 0; }

# A sanitizer runtime wants to come first; the shim comes before it here.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
LD_PRELOAD=$shim${LD_PRELOAD:+:$LD_PRELOAD}
EVIX_TEST_BACKENDS=epoll
EVIX_TEST_NO_PWAIT2=1
export ASAN_OPTIONS LD_PRELOAD EVIX_TEST_BACKENDS EVIX_TEST_NO_PWAIT2
exec "$prog"
