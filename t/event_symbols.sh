#!/bin/sh
# event_symbols.sh - the libevent emulation's footprint in libevix.so:
# exactly libev's 24 event_* functions are exported, and the library never
# calls one of them itself.  Programs define functions and variables with
# libevent's names (curvedns and unclutter-xfixes an event_init, elinks an
# event_base variable); such a definition replaces the library's for every
# caller, so an internal call would land in the program.
#
# Environment (set by the test harness): top_builddir.

: "${top_builddir:=.}"
n=0
failed=0

okline() {
  n=$((n + 1))
  if test "$1" = 0; then
    echo "ok $n - $2"
  else
    failed=$((failed + 1))
    echo "not ok $n - $2"
  fi
}

for tool in nm readelf objdump; do
  command -v $tool >/dev/null 2>&1 || {
    echo "1..0 # SKIP $tool is not installed"
    exit 0
  }
done

# The shared library libtool built, by the name libevix.la records.
dlname=$(sed -n "s/^dlname='\\(.*\\)'/\\1/p" "$top_builddir/libevix.la" 2>/dev/null)
lib=$top_builddir/.libs/$dlname
if test -z "$dlname" || test ! -f "$lib"; then
  echo "1..0 # SKIP no shared libevix (static-only build)"
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evix-event-syms.XXXXXX") || {
  echo "Bail out! cannot create a temporary directory"
  exit 255
}
trap 'rm -rf "$tmp"' EXIT
trap 'exit 255' HUP INT TERM

# The emulation's interface, as libev 4.33 exports it.
cat >"$tmp/want" <<'EOF'
event_active
event_add
event_base_dispatch
event_base_free
event_base_get_method
event_base_loop
event_base_loopexit
event_base_new
event_base_once
event_base_priority_init
event_base_set
event_del
event_dispatch
event_get_callback
event_get_method
event_get_version
event_init
event_loop
event_loopexit
event_once
event_pending
event_priority_init
event_priority_set
event_set
EOF

nm -D --defined-only "$lib" | awk '{print $3}' | sort -u >"$tmp/all"
grep '^event' "$tmp/all" >"$tmp/got" || :
if cmp -s "$tmp/want" "$tmp/got"; then
  okline 0 "libevix exports exactly the 24 event_* functions"
else
  okline 1 "libevix exports exactly the 24 event_* functions"
  diff "$tmp/want" "$tmp/got" | sed -n '1,30s/^/#   /p'
  echo "#   ('<' missing, '>' unexpected)"
fi

nm -D --defined-only "$lib" | awk '$3 ~ /^event_/ && $2 != "T" {print}' \
  >"$tmp/nonfunc"
okline $(test -s "$tmp/nonfunc"; test $? != 0; echo $?) \
  "each of them is a function in the text section"
sed -n '1,10s/^/#   /p' "$tmp/nonfunc"

libev=
for d in $(ldconfig -p 2>/dev/null | sed -n 's/.*libev\.so\.4 (.*) => //p'); do
  libev=$d
  break
done
if test -n "$libev" && test -f "$libev"; then
  nm -D --defined-only "$libev" | awk '$3 ~ /^event/ {print $3}' | sort -u \
    >"$tmp/libev"
  okline $(cmp -s "$tmp/libev" "$tmp/got"; echo $?) \
    "the same event* names as libev.so.4 exports"
else
  n=$((n + 1))
  echo "ok $n - the same event* names as libev.so.4 exports" \
    "# SKIP libev.so.4 is not installed"
fi

grep -q -x -e event_base -e event_enabled "$tmp/all"
okline $(test $? != 0; echo $?) \
  "no event_base or event_enabled symbol (elinks defines both)"

okline $(grep -q '^evix__event' "$tmp/all"; test $? != 0; echo $?) \
  "the emulation's shared state is not exported"

# A call from the library to an exported event_* function would need a
# PLT slot (a JUMP_SLOT relocation) or show up as a direct call.
readelf -W -r "$lib" | awk '{print $5}' | grep '^event_' >"$tmp/relocs" || :
okline $(test -s "$tmp/relocs"; test $? != 0; echo $?) \
  "no relocation refers to an event_* function (no internal calls via PLT)"
sed -n '1,10s/^/#   /p' "$tmp/relocs"

# (Only targets that are a function's first byte: jumps within a function
# show as <event_x+0x..>.)
objdump -d "$lib" | grep -E '(call|jmp)[a-z]* +[0-9a-f]+ <event_[a-z_]*(@plt)?>$' \
  >"$tmp/calls" || :
okline $(test -s "$tmp/calls"; test $? != 0; echo $?) \
  "no instruction in the library calls or jumps to an event_* function"
sed -n '1,10s/^/#   /p' "$tmp/calls"

echo "1..$n"
test $failed -gt 254 && failed=254
exit $failed
