#!/bin/sh
# abi.sh - checks that a program compiled against evix's ev.h bakes in
# exactly what one compiled against libev's ev.h does: sizes, offsets,
# constants, configuration macros and the bytes the watcher macros write.
#
# t/abi_probe prints those facts for evix's header, t/abi_probe-libev for
# the system's libev header.  The script compares them one category at a
# time (one TAP line per category), then builds the probe again as C++17
# and with -Os against both headers and compares those as well.
#
# Environment (set by the test harness): top_srcdir, top_builddir, CC, CXX.
# ABI_PROBE_EVIX / ABI_PROBE_LIBEV override the probe binaries' paths.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${CC:=cc}"
: "${CXX:=c++}"

src=$top_srcdir/t/abi_probe.c
evix_inc=$top_srcdir/include
probe_evix=${ABI_PROBE_EVIX:-$top_builddir/t/abi_probe}
probe_libev=${ABI_PROBE_LIBEV:-$top_builddir/t/abi_probe-libev}

if test ! -x "$probe_libev"; then
  echo "1..0 # SKIP libev's probe was not built (no system libev)"
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evix-abi.XXXXXX") || {
  echo "Bail out! cannot create a temporary directory"
  exit 255
}
trap 'rm -rf "$tmp"' EXIT
trap 'exit 255' HUP INT TERM

n=0
failed=0

pass() {
  n=$((n + 1))
  echo "ok $n - $1"
}

fail() {
  n=$((n + 1))
  failed=$((failed + 1))
  echo "not ok $n - $1"
}

skip_test() {
  n=$((n + 1))
  echo "ok $n - $1 # SKIP $2"
}

diag_file() {
  sed -n '1,25s/^/#   /p' "$1"
}

# The evix side is only there once include/ev.h exists.
have_evix=yes
why_no_evix=
if test ! -f "$evix_inc/ev.h"; then
  have_evix=no
  why_no_evix="evix's include/ev.h does not exist yet"
elif test ! -x "$probe_evix"; then
  have_evix=no
  why_no_evix="t/abi_probe was not built"
fi

# run_probe BINARY OUTPUT: runs a probe; records failure as a test.
run_probe() {
  if "$1" >"$2" 2>"$tmp/run.err"; then
    return 0
  fi
  fail "probe $1 runs"
  diag_file "$tmp/run.err"
  return 1
}

# build_probe NAME COMPILER-AND-FLAGS...: compiles the probe on the fly
# into $tmp/NAME and runs it into $tmp/NAME.out.
build_probe() {
  name=$1
  shift
  if "$@" "$src" -o "$tmp/$name" >"$tmp/$name.cc.log" 2>&1; then
    pass "probe compiles: $name"
    run_probe "$tmp/$name" "$tmp/$name.out"
    return $?
  fi
  fail "probe compiles: $name"
  echo "#   command: $* $src"
  diag_file "$tmp/$name.cc.log"
  return 1
}

categories() {
  sed 's/\..*//' "$@" | sort -u
}

# compare LABEL EVIX-OUT LIBEV-OUT: one test per category.
compare() {
  label=$1
  for cat in $(categories "$2" "$3"); do
    grep "^$cat\\." "$2" >"$tmp/a" || :
    grep "^$cat\\." "$3" >"$tmp/b" || :
    count=$(wc -l <"$tmp/b" | tr -d ' ')
    if cmp -s "$tmp/a" "$tmp/b"; then
      pass "$label: $cat ($count facts) identical to libev"
    else
      fail "$label: $cat differs from libev"
      diff "$tmp/b" "$tmp/a" | sed -n '1,30s/^/#   /p'
      echo "#   ('<' is libev, '>' is evix)"
    fi
  done
}

# skip_compare LABEL LIBEV-OUT REASON: the same test lines, skipped.
skip_compare() {
  for cat in $(categories "$2"); do
    skip_test "$1: $cat identical to libev" "$3"
  done
}

# expect_feature LABEL OUT VALUE
expect_feature() {
  got=$(sed -n 's/^macro\.EV_FEATURES //p' "$2")
  if test "x$got" = "x$3"; then
    pass "$1: EV_FEATURES is $3"
  else
    fail "$1: EV_FEATURES is $3"
    echo "#   got: '$got'"
  fi
}

# same_layout LABEL A B: sizes and offsets must not depend on the
# language or the optimisation level.
same_layout() {
  grep -E '^(sizeof|align|offset|fieldsize)\.' "$2" >"$tmp/la"
  grep -E '^(sizeof|align|offset|fieldsize)\.' "$3" >"$tmp/lb"
  if cmp -s "$tmp/la" "$tmp/lb"; then
    pass "$1"
  else
    fail "$1"
    diff "$tmp/la" "$tmp/lb" | sed -n '1,30s/^/#   /p'
  fi
}

# variant LABEL EVIX-OUT LIBEV-OUT LIBEV-OK EVIX-OK FEATURES
variant() {
  if test "$4" != ok; then
    return
  fi
  expect_feature "$1 libev" "$3" "$6"
  if test "$have_evix" != yes; then
    skip_test "$1 evix: EV_FEATURES is $6" "$why_no_evix"
    skip_compare "$1" "$3" "$why_no_evix"
  elif test "$5" = ok; then
    expect_feature "$1 evix" "$2" "$6"
    compare "$1" "$2" "$3"
  fi
}

# ---- plain C, the probes built by make -------------------------------------
libev_c=fail
evix_c=fail
run_probe "$probe_libev" "$tmp/libev-c.out" && libev_c=ok
if test "$have_evix" = yes; then
  run_probe "$probe_evix" "$tmp/evix-c.out" && evix_c=ok
fi
variant "C" "$tmp/evix-c.out" "$tmp/libev-c.out" "$libev_c" "$evix_c" 127

# ---- C++17 ---------------------------------------------------------------
libev_cxx=fail
evix_cxx=fail
build_probe libev-cxx $CXX -std=c++17 -x c++ && libev_cxx=ok
if test "$have_evix" = yes; then
  build_probe evix-cxx $CXX -std=c++17 -x c++ -I"$evix_inc" && evix_cxx=ok
else
  skip_test "probe compiles: evix-cxx" "$why_no_evix"
fi
variant "C++17" "$tmp/evix-cxx.out" "$tmp/libev-cxx.out" "$libev_cxx" \
  "$evix_cxx" 127

# ---- -Os -------------------------------------------------------------------
libev_os=fail
evix_os=fail
build_probe libev-Os $CC -Os && libev_os=ok
if test "$have_evix" = yes; then
  build_probe evix-Os $CC -Os -I"$evix_inc" && evix_os=ok
else
  skip_test "probe compiles: evix-Os" "$why_no_evix"
fi
variant "C -Os" "$tmp/evix-Os.out" "$tmp/libev-Os.out" "$libev_os" \
  "$evix_os" 124

# ---- the layout is the same in every variant -----------------------------
if test $libev_c = ok && test $libev_cxx = ok; then
  same_layout "libev: C and C++17 layouts agree" "$tmp/libev-c.out" \
    "$tmp/libev-cxx.out"
fi
if test $libev_c = ok && test $libev_os = ok; then
  same_layout "libev: C and -Os layouts agree" "$tmp/libev-c.out" \
    "$tmp/libev-Os.out"
fi
if test "$have_evix" != yes; then
  skip_test "evix: C and C++17 layouts agree" "$why_no_evix"
  skip_test "evix: C and -Os layouts agree" "$why_no_evix"
else
  if test $evix_c = ok && test $evix_cxx = ok; then
    same_layout "evix: C and C++17 layouts agree" "$tmp/evix-c.out" \
      "$tmp/evix-cxx.out"
  fi
  if test $evix_c = ok && test $evix_os = ok; then
    same_layout "evix: C and -Os layouts agree" "$tmp/evix-c.out" \
      "$tmp/evix-Os.out"
  fi
fi

echo "1..$n"
test $failed -gt 254 && failed=254
exit $failed
