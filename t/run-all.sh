#!/bin/sh
# run-all.sh - the whole test suite, as CI runs it.
#
# Builds evix out of tree twice - a normal build and one with
# AddressSanitizer + UBSan - with warnings as errors, runs `make check` in
# each (the TAP suite, every test on every backend, against evix, the
# system libev, and evix standing in for libev.so.4), then a build with
# the kqueue backend on its test emulation, the threaded tests in a
# ThreadSanitizer build, and `make distcheck`.  Ends with one line:
# "N passed, M failed", counting every TAP test point of both builds, plus
# one point each for the builds and distcheck themselves.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
out=$top/_build
passed=0
failed=0
skipped=0

count() { # count LABEL OK: one pass/fail point for a build step
  if [ "$2" = 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $1"
  fi
}

suite_counts() { # suite_counts DIR: add the TAP totals of a finished check
  log=$1/test-suite.log
  if [ ! -f "$log" ]; then
    failed=$((failed + 1))
    echo "FAILED: no test-suite.log in $1"
    return
  fi
  p=$(sed -n 's/^# PASS: *//p' "$log" | head -n1)
  s=$(sed -n 's/^# SKIP: *//p' "$log" | head -n1)
  f=0
  for k in FAIL XPASS ERROR; do
    n=$(sed -n "s/^# $k: *//p" "$log" | head -n1)
    f=$((f + ${n:-0}))
  done
  passed=$((passed + ${p:-0}))
  skipped=$((skipped + ${s:-0}))
  failed=$((failed + f))
  if [ "$f" != 0 ]; then
    echo "---- failures in $1 ----"
    grep -E '^(FAIL|ERROR|XPASS)' "$1"/t/*.log 2>/dev/null | head -n 50
  fi
}

build() { # build NAME CONFIGURE-ARGS...: configure, make, make check
  name=$1
  shift
  dir=$out/$name
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "==== $name build: configure $*"
  (cd "$dir" && "$top/configure" --enable-werror "$@" >configure.out 2>&1)
  rc=$?
  [ $rc = 0 ] || tail -n 30 "$dir/configure.out"
  count "$name: configure" $rc
  [ $rc = 0 ] || return
  (cd "$dir" && make -j"$jobs" >make.out 2>&1)
  rc=$?
  [ $rc = 0 ] || tail -n 40 "$dir/make.out"
  count "$name: make" $rc
  [ $rc = 0 ] || return
  if [ -n "${only_tests:-}" ]; then
    (cd "$dir" && make -j"$jobs" check TESTS="$only_tests" >check.out 2>&1)
  else
    (cd "$dir" && make -j"$jobs" check >check.out 2>&1)
  fi
  grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$dir/check.out"
  suite_counts "$dir"
}

cd "$top" || exit 1
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
  echo "==== autoreconf -fi"
  autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; exit 1; }
fi

build normal --prefix="$out/inst"

# The installed library as users get it: an unmodified libev program (the
# echo example) compiled with `cc prog.c $(pkg-config --cflags --libs
# evix)` against the installed tree, then run with the scripted client.
if [ -f "$out/normal/Makefile" ]; then
  echo "==== make install; cc prog.c \$(pkg-config --cflags --libs evix)"
  rm -rf "$out/inst"
  (
    cd "$out/normal" && make install >install.out 2>&1 &&
    PKG_CONFIG_PATH=$out/inst/lib/pkgconfig &&
    export PKG_CONFIG_PATH &&
    ${CC:-cc} -o "$out/echo_server_pc" "$top/examples/echo_server.c" \
      $(pkg-config --cflags --libs evix) &&
    test -L "$(pkg-config --variable=libev_compat_dir evix)/libev.so.4" &&
    LD_LIBRARY_PATH=$out/inst/lib "$top/examples/run.sh" -q \
      -s "$out/echo_server_pc" "$out/normal/examples"
  ) >"$out/install-check.out" 2>&1
  rc=$?
  [ $rc = 0 ] || tail -n 30 "$out/install-check.out"
  count "install + pkg-config build of an unmodified libev program" $rc
fi
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
# The gem compiles its own copy of the library and ran with the normal
# build; the sanitizer builds are for the C suite.
EVIX_SKIP_RUBY=1
export EVIX_SKIP_RUBY
build sanitize --enable-sanitizers

# The whole suite once more with the kqueue backend built against the
# test emulation in t/kqueue (Linux has no kqueue): every test then also
# runs on kqueue.  A test build: never installed.
build kqueue-emulation --enable-kqueue-emulation

# ThreadSanitizer cannot be combined with ASan: a third build, for the
# tests where threads share a loop (ev_async from other threads).
TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}
export TSAN_OPTIONS
tsan='-O1 -g -fsanitize=thread'
only_tests='t/async_threads t/async_threads-libev'
build tsan CFLAGS="$tsan" CXXFLAGS="$tsan" LDFLAGS=-fsanitize=thread
only_tests=

if [ -f "$out/normal/Makefile" ]; then
  echo "==== make distcheck"
  (cd "$out/normal" && make -j"$jobs" distcheck >distcheck.out 2>&1)
  rc=$?
  [ $rc = 0 ] || tail -n 40 "$out/normal/distcheck.out"
  count "distcheck" $rc
fi

echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
