#!/bin/sh
# debian_programs.sh - real programs built against libev.so.4 run on evix.
#
# Debian packages linked against libev (nghttp2's nghttpd and nghttp,
# elinks through the libevent emulation) run unchanged with evix standing
# in for libev.so.4 (t/standin/, as installed under libev_compat_dir).
# Each check is skipped when the package is not installed; CI installs
# them.  Everything talks to 127.0.0.1 only.
top_builddir=${top_builddir:-.}
standin=$(cd "$top_builddir/t/standin" 2>/dev/null && pwd)
n=0
okline() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
skipline() { n=$((n + 1)); echo "ok $n - $2 # SKIP $1"; }

if [ -z "$standin" ] || [ ! -e "$standin/libev.so.4" ]; then
  echo "1..0 # SKIP no t/standin/libev.so.4 (no shared libevix)"
  exit 0
fi

# A sanitizer build of libevix can only be loaded by programs built with
# the same sanitizer runtime, which Debian's binaries are not.
if ldd "$top_builddir/.libs/libevix.so" 2>/dev/null | grep -q -E 'lib(a|t|ub)san'; then
  echo "1..0 # SKIP libevix is built with a sanitizer; Debian's programs cannot load it"
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evix-debian.XXXXXX") || exit 1
pids=
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# A page and a 2 MiB file to serve.
printf '<html><body><h1>evix serves this page</h1></body></html>\n' \
  >"$tmp/index.html"
head -c 2097152 /dev/urandom >"$tmp/blob"

uses_standin() { # uses_standin PROGRAM: libev.so.4 resolves to evix
  LD_LIBRARY_PATH=$standin ldd "$1" 2>/dev/null |
    grep -q "libev\.so\.4 => $standin/libev\.so\.4"
}

# Starts a server in the background on the first free port of a few
# tries; sets $port and adds the pid to $pids.  The command is "$@" with
# PORT replaced.
start_server() {
  for try in 1 2 3 4 5; do
    port=$((20000 + ($$ * 7 + try * 131) % 20000))
    cmd=
    for a in "$@"; do
      [ "$a" = PORT ] && a=$port
      cmd="$cmd '$a'"
    done
    eval "LD_LIBRARY_PATH=\$standin $cmd" >"$tmp/server.log" 2>&1 &
    pid=$!
    sleep 0.5
    if kill -0 "$pid" 2>/dev/null; then
      pids="$pids $pid"
      return 0
    fi
  done
  return 1
}

# ---- nghttp2: HTTP/2 server and client, both libev programs ----------------
nghttpd=$(command -v nghttpd)
nghttp=$(command -v nghttp)
if [ -n "$nghttpd" ] && [ -n "$nghttp" ]; then
  okline $(uses_standin "$nghttpd"; echo $?) "nghttpd's libev.so.4 resolves to evix"
  okline $(uses_standin "$nghttp"; echo $?) "nghttp's libev.so.4 resolves to evix"
  if start_server "$nghttpd" --no-tls -a 127.0.0.1 -d "$tmp" PORT; then
    LD_LIBRARY_PATH=$standin timeout 30 "$nghttp" \
      "http://127.0.0.1:$port/blob" >"$tmp/got" 2>/dev/null
    okline $(cmp -s "$tmp/blob" "$tmp/got"; echo $?) \
      "nghttp fetches 2 MiB from nghttpd over HTTP/2, both on evix, byte for byte"
    : >"$tmp/many"
    i=0
    while [ $i -lt 20 ]; do
      echo "http://127.0.0.1:$port/index.html?n=$i" >>"$tmp/many"
      i=$((i + 1))
    done
    LD_LIBRARY_PATH=$standin timeout 30 "$nghttp" -n -s \
      $(cat "$tmp/many") >"$tmp/stats" 2>&1
    okline $(grep -c ' 200 .*/index.html' "$tmp/stats" | grep -q '^20$'; echo $?) \
      "nghttp multiplexes 20 requests on one connection to nghttpd on evix"
  else
    okline 1 "nghttpd starts on evix"
    cat "$tmp/server.log" | sed 's/^/# /'
  fi
else
  for what in "nghttpd resolves" "nghttp resolves" "HTTP/2 fetch" "HTTP/2 multiplexing"; do
    skipline "nghttp2-client/nghttp2-server not installed" "$what"
  done
fi

# ---- elinks: the libevent emulation's one real user ---------------------
elinks=$(command -v elinks)
python=$(command -v python3)
if [ -n "$elinks" ] && [ -n "$python" ]; then
  okline $(uses_standin "$elinks"; echo $?) "elinks's libev.so.4 resolves to evix"
  if start_server "$python" -m http.server --bind 127.0.0.1 --directory "$tmp" PORT; then
    HOME=$tmp LD_LIBRARY_PATH=$standin timeout 30 "$elinks" -no-home \
      -dump "http://127.0.0.1:$port/index.html" >"$tmp/dump" 2>&1
    okline $(grep -q 'evix serves this page' "$tmp/dump"; echo $?) \
      "elinks (event_* API) fetches and renders a page on evix"
  else
    okline 1 "a local HTTP server for elinks starts"
  fi
else
  skipline "elinks or python3 not installed" "elinks resolves"
  skipline "elinks or python3 not installed" "elinks fetch"
fi

echo "1..$n"
