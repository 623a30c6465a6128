#!/bin/sh
# binary_compat.sh - evix as a binary drop-in for libev.so.4.
#
# Every test program of the suite that was compiled against the system's
# libev header and linked with -lev (t/*-libev) runs again, unchanged, with
# LD_LIBRARY_PATH pointing at t/standin/, whose libev.so.4 is libevix.  Each
# must pass there as it does on libev.  The programs notice which library
# they run on (testlib.c) and expect evix's behaviour where it deliberately
# differs from libev's.
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
standin=$(cd "$top_builddir/t/standin" 2>/dev/null && pwd)
n=0

if [ -z "$standin" ] || [ ! -e "$standin/libev.so.4" ]; then
  echo "1..0 # SKIP no t/standin/libev.so.4 (no shared libevix)"
  exit 0
fi
progs=
for p in "$top_builddir"/t/*-libev "$top_builddir"/examples/*-libev; do
  [ -x "$p" ] || continue
  case $p in
    */abi_probe-libev) continue ;; # prints a layout dump, not TAP
  esac
  progs="$progs $p"
done
if [ -z "$progs" ]; then
  echo "1..0 # SKIP no program was built against the system libev"
  exit 0
fi

tmp=${TMPDIR:-/tmp}/evix-bincompat.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT

for p in $progs; do
  name=${p#"$top_builddir"/}
  n=$((n + 1))
  # The loader must pick evix's file for libev.so.4, or the run proves
  # nothing.
  if ! LD_LIBRARY_PATH=$standin ldd "$p" 2>/dev/null |
      grep -q "libev\.so\.4 => $standin/libev\.so\.4"; then
    echo "not ok $n - $name: libev.so.4 did not resolve to evix's stand-in"
    continue
  fi
  case $name in
    examples/*)
      # Not a TAP program: examples/run.sh drives it with the scripted
      # client and checks every echoed byte and the idle timeouts.
      if LD_LIBRARY_PATH=$standin "$top_srcdir/examples/run.sh" -q \
          -s "$p" "$top_builddir/examples" >"$tmp/out" 2>&1; then
        echo "ok $n - $name: the libev-built echo server passes examples/run.sh on evix as libev.so.4"
      else
        echo "not ok $n - $name: examples/run.sh failed on evix as libev.so.4"
        tail -n 15 "$tmp/out" | sed 's/^/# /'
      fi
      continue ;;
  esac
  LD_LIBRARY_PATH=$standin "$p" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  total=$(grep -c -E '^(not )?ok ' "$tmp/out")
  failed=$(grep -c -E '^not ok ' "$tmp/out")
  plan=$(grep -c -E '^1\.\.[0-9]+' "$tmp/out")
  if [ $rc = 0 ] && [ "$failed" = 0 ] && [ "$plan" = 1 ] && [ "$total" -gt 0 ]; then
    echo "ok $n - $name: $total tests pass with evix standing in for libev.so.4"
  else
    echo "not ok $n - $name: exit $rc, $failed of $total tests failed, plan lines $plan"
    grep -E '^not ok |^Bail' "$tmp/out" | head -n 20 | sed 's/^/# /'
    tail -n 5 "$tmp/err" | sed 's/^/# stderr: /'
  fi
done
echo "1..$n"
