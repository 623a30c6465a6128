#!/bin/sh
# event_abi.sh - a program compiled against evix's event.h bakes in exactly
# what one compiled against libev's event.h does.
#
# t/event_probe.c prints struct event's layout, the constants, which names
# are macros, the function types and what the convenience macros expand
# to.  This script compiles it against both headers, as C and as C++17,
# runs the four programs and compares their output one category at a time.
#
# Environment (set by the test harness): top_srcdir, CC, CXX.

: "${top_srcdir:=.}"
: "${CC:=cc}"
: "${CXX:=c++}"

src=$top_srcdir/t/event_probe.c
evix_inc=$top_srcdir/include

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evix-event-abi.XXXXXX") || {
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

# The system's event.h must be libev's emulation: libevent's own header
# (which comes with event2/) describes a different interface.
printf '#include <event.h>\n#ifndef EVENT_H_\n#error not libev\n#endif\n' \
  >"$tmp/which.c"
if ! $CC -E "$tmp/which.c" >/dev/null 2>&1; then
  echo "1..0 # SKIP the system has no event.h from libev's libevent emulation"
  exit 0
fi
printf '#include <event2/event.h>\n' >"$tmp/ev2.c"
if $CC -E "$tmp/ev2.c" >/dev/null 2>&1; then
  echo "1..0 # SKIP the system's event.h belongs to libevent, not to libev"
  exit 0
fi

# build NAME COMPILER-AND-FLAGS...: compiles and runs the probe into
# $tmp/NAME.out; one test line.
build() {
  name=$1
  shift
  if "$@" "$src" -o "$tmp/$name" >"$tmp/$name.log" 2>&1 &&
      "$tmp/$name" >"$tmp/$name.out" 2>>"$tmp/$name.log"; then
    pass "probe builds and runs: $name"
    return 0
  fi
  fail "probe builds and runs: $name"
  echo "#   command: $* $src"
  sed -n '1,25s/^/#   /p' "$tmp/$name.log"
  return 1
}

# compare LABEL EVIX-OUT LIBEV-OUT: one test per category of facts.
compare() {
  for cat in $(sed 's/\..*//' "$2" "$3" | sort -u); do
    grep "^$cat\\." "$2" >"$tmp/a" || :
    grep "^$cat\\." "$3" >"$tmp/b" || :
    count=$(wc -l <"$tmp/b" | tr -d ' ')
    if cmp -s "$tmp/a" "$tmp/b"; then
      pass "$1: $cat ($count facts) identical to libev"
    else
      fail "$1: $cat differs from libev"
      diff "$tmp/b" "$tmp/a" | sed -n '1,30s/^/#   /p'
      echo "#   ('<' is libev, '>' is evix)"
    fi
  done
}

libev_c=no
evix_c=no
libev_cxx=no
evix_cxx=no
build libev-c $CC && libev_c=yes
build evix-c $CC -I"$evix_inc" && evix_c=yes
build libev-cxx $CXX -std=c++17 -x c++ && libev_cxx=yes
build evix-cxx $CXX -std=c++17 -x c++ -I"$evix_inc" && evix_cxx=yes

if test $libev_c = yes && test $evix_c = yes; then
  compare "C" "$tmp/evix-c.out" "$tmp/libev-c.out"
fi
if test $libev_cxx = yes && test $evix_cxx = yes; then
  compare "C++17" "$tmp/evix-cxx.out" "$tmp/libev-cxx.out"
fi
if test $evix_c = yes && test $evix_cxx = yes; then
  if cmp -s "$tmp/evix-c.out" "$tmp/evix-cxx.out"; then
    pass "evix: C and C++17 see the same facts"
  else
    fail "evix: C and C++17 see the same facts"
    diff "$tmp/evix-c.out" "$tmp/evix-cxx.out" | sed -n '1,30s/^/#   /p'
  fi
fi

echo "1..$n"
test $failed -gt 254 && failed=254
exit $failed
