#!/bin/sh
# symbols.sh - libevix exports what libev.so.4 exports, and nothing else
# outside evix's own prefix; ev_default_loop_ptr is an 8-byte data object
# the library itself reaches through the GOT (so a program's copy
# relocation works); no symbol versions, like libev.
top_builddir=${top_builddir:-.}
lib=$top_builddir/.libs/libevix.so
n=0
okline() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

for tool in nm readelf; do
  command -v $tool >/dev/null 2>&1 || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
[ -f "$lib" ] || { echo "1..0 # SKIP no shared libevix (static-only build)"; exit 0; }

tmp=${TMPDIR:-/tmp}/evix-symbols.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT

# AddressSanitizer adds one __odr_asan.NAME marker per exported variable;
# it is the instrumentation's, not evix's.
nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^__odr_asan\.' |
  sort -u >"$tmp/evix"

libev=
for d in $(ldconfig -p 2>/dev/null | sed -n 's/.*libev\.so\.4 (.*) => //p'); do
  libev=$d
  break
done
if [ -n "$libev" ] && [ -f "$libev" ]; then
  nm -D --defined-only "$libev" | awk '{print $3}' | sort -u >"$tmp/libev"
  missing=$(comm -23 "$tmp/libev" "$tmp/evix" | tr '\n' ' ')
  okline $([ -z "$missing" ]; echo $?) \
    "libevix exports all $(wc -l <"$tmp/libev") dynamic symbols of libev.so.4"
  [ -z "$missing" ] || echo "# missing: $missing"
  extra=$(comm -13 "$tmp/libev" "$tmp/evix" | grep -v '^evix_' | tr '\n' ' ')
  okline $([ -z "$extra" ]; echo $?) \
    "beyond libev's symbols, libevix exports only evix_* names"
  [ -z "$extra" ] || echo "# unexpected: $extra"
else
  echo "ok 1 # SKIP libev.so.4 is not installed"
  echo "ok 2 # SKIP libev.so.4 is not installed"
  n=2
fi

count=$(grep -c -E '^(ev_|event_)' "$tmp/evix")
okline $([ "$count" -ge 97 ]; echo $?) "libevix exports $count ev_/event_ symbols (libev.so.4 has 97)"

bad=$(grep -v -E '^(ev_|event_|evix_)' "$tmp/evix" | tr '\n' ' ')
okline $([ -z "$bad" ]; echo $?) "every exported symbol is ev_*, event_* or evix_*"
[ -z "$bad" ] || echo "# unexpected: $bad"

okline $(grep -q '^event_base$' "$tmp/evix"; [ $? != 0 ]; echo $?) \
  "no symbol named event_base (programs such as elinks define one)"

line=$(readelf -W --dyn-syms "$lib" | awk '$8 == "ev_default_loop_ptr"')
size=$(echo "$line" | awk '{print $3}')
type=$(echo "$line" | awk '{print $4}')
okline $([ "$type" = OBJECT ] && [ "$size" = 8 ]; echo $?) \
  "ev_default_loop_ptr is an exported 8-byte data object ($type, $size)"

okline $(readelf -W -r "$lib" | grep -q -E 'GLOB_DAT.* ev_default_loop_ptr'; echo $?) \
  "the library reaches ev_default_loop_ptr through the GOT (GLOB_DAT relocation)"

okline $(readelf -W -V "$lib" | grep -q 'Version definition'; [ $? != 0 ]; echo $?) \
  "no symbol versions are defined (like libev.so.4)"

# t/default_loop_ptr-libev is a PIE built against libev's header that reads
# ev_default_loop_ptr directly; the linker gives it its own copy of the
# variable.  Its passing on evix (t/binary_compat.sh) is only meaningful if
# that copy relocation really is there.
prog=$top_builddir/t/default_loop_ptr-libev
if [ -x "$prog" ]; then
  okline $(readelf -W -r "$prog" | grep -q -E 'R_X86_64_COPY.* ev_default_loop_ptr'; echo $?) \
    "t/default_loop_ptr-libev holds a copy relocation of ev_default_loop_ptr"
else
  n=$((n + 1))
  echo "ok $n - copy relocation check # SKIP t/default_loop_ptr-libev not built"
fi

echo "1..$n"
