#!/bin/sh
# run.sh - runs the echo example end to end.
#
# Starts echo_server on a free port of 127.0.0.1, reads the port from its
# first line, runs echo_client against it, and lets the server exit by
# itself once it has served as many connections as the client opens
# (--exit-after).  Then compares the server's own statistics with what the
# client expected.  Prints everything that happened; exits 0 only if every
# check passed.
#
# usage: run.sh [options] [BINDIR]
#   BINDIR              where the built echo_server/echo_client are; default
#                       $top_builddir/examples when top_builddir is set (as
#                       in "make check"), else the directory of this script
#   -s, --server PROG   server program: a name in BINDIR or a path
#                       (default echo_server; echo_server-libev is the same
#                       source built against the system libev)
#   -b, --backend NAME  backend for the server (default: its own choice)
#   -i, --idle SECONDS  idle timeout (default 1)
#   -B, --big BYTES     largest payload of the client (default: client's)
#   -m, --max-conns N   limit the server to N connections at a time, and
#                       run only the client's echo checks
#   -q, --quiet         leave out the server's connection log

usage() {
  sed -n '11,23s/^# \{0,1\}//p' "$0"
}

bindir=
server=echo_server
backend=
idle=1
big=
max_conns=
quiet=

while [ $# -gt 0 ]; do
  case $1 in
    -s|--server) server=$2; shift 2 ;;
    -b|--backend) backend=$2; shift 2 ;;
    -i|--idle) idle=$2; shift 2 ;;
    -B|--big) big=$2; shift 2 ;;
    -m|--max-conns) max_conns=$2; shift 2 ;;
    -q|--quiet) quiet=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; exit 2 ;;
    *) bindir=$1; shift ;;
  esac
done

if [ -z "$bindir" ]; then
  if [ -n "$top_builddir" ]; then
    bindir=$top_builddir/examples
  else
    bindir=$(dirname "$0")
  fi
fi
case $server in
  */*) ;;
  *) server=$bindir/$server ;;
esac
client=$bindir/echo_client

for prog in "$server" "$client"; do
  if [ ! -x "$prog" ]; then
    echo "run.sh: $prog is missing; build it first (make run-examples)" >&2
    exit 2
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evix-echo.XXXXXX") || exit 2
server_pid=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' HUP INT TERM

# Sleeps a tenth of a second where sleep takes fractions.
nap() {
  sleep 0.1 2>/dev/null || sleep 1
}

# Prints the value of NAME=VALUE among the words of a line.
field() {
  printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

failed=0
check() {
  name=$1 good=$2
  shift 2
  if [ "$good" = yes ]; then
    echo "check $name: ok ($*)"
  else
    echo "check $name: FAIL ($*)"
    failed=1
  fi
}

client_args="--idle $idle${big:+ --big $big}${max_conns:+ --echo-only}"
# shellcheck disable=SC2086 # client_args is a list of words on purpose
nconns=$("$client" $client_args --count) || exit 2

server_args="-v --idle $idle --exit-after $nconns --lifetime 60"
server_args="$server_args${backend:+ --backend $backend}"
server_args="$server_args${max_conns:+ --max-conns $max_conns}"
echo "run.sh: starting $server $server_args"
# Create the files first: the background shell may open them late.
: >"$tmp/server.out"
: >"$tmp/server.err"
# shellcheck disable=SC2086
"$server" $server_args 0 >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!

# Wait (at most ~10 s) for the line that tells the port.
port=
tries=0
while [ $tries -lt 100 ]; do
  port=$(sed -n 's/^listening on 127\.0\.0\.1 \([0-9][0-9]*\)$/\1/p' \
    "$tmp/server.out")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  nap
  tries=$((tries + 1))
done
if [ -z "$port" ]; then
  echo "run.sh: the server did not start listening:"
  sed 's/^/  /' "$tmp/server.out" "$tmp/server.err"
  echo "run.sh: FAIL"
  exit 1
fi
echo "run.sh: server pid $server_pid is listening on 127.0.0.1 $port"

echo "run.sh: running $client $client_args $port"
# shellcheck disable=SC2086
"$client" $client_args "$port" >"$tmp/client.out" 2>&1
client_status=$?
cat "$tmp/client.out"
[ $client_status -eq 0 ] || failed=1

# The server leaves on its own after the client's last connection closed.
tries=0
while kill -0 "$server_pid" 2>/dev/null && [ $tries -lt 100 ]; do
  nap
  tries=$((tries + 1))
done
if kill -0 "$server_pid" 2>/dev/null; then
  echo "run.sh: the server is still running; stopping it"
  kill -TERM "$server_pid" 2>/dev/null
  nap
  stopped_by_us=yes
else
  stopped_by_us=no
fi
wait "$server_pid"
server_status=$?
server_pid=

if [ -z "$quiet" ]; then
  echo "run.sh: server log:"
  sed 's/^/  /' "$tmp/server.err"
else
  grep -v '^echo_server \[' "$tmp/server.err" | sed 's/^/  /'
fi
stats=$(grep '^stats: ' "$tmp/server.out")
echo "run.sh: server $stats"

expect=$(grep '^expect: ' "$tmp/client.out")
want_conns=$(field connections "$expect")
want_idle=$(field idle_closes "$expect")
accepted=$(field accepted "$stats")
closed=$(field closed "$stats")
idle_closes=$(field idle_closes "$stats")
peak=$(field peak "$stats")

if [ -n "$want_conns" ] && [ "$accepted" = "$want_conns" ] \
   && [ "$closed" = "$want_conns" ] && [ "$idle_closes" = "$want_idle" ]; then
  good=yes
else
  good=no
fi
check stats $good "server accepted=${accepted:-?} closed=${closed:-?}" \
  "idle_closes=${idle_closes:-?};" \
  "client expected ${want_conns:-?} connections, ${want_idle:-?} idle closes"

if [ $server_status -eq 0 ] && [ $stopped_by_us = no ]; then
  good=yes
else
  good=no
fi
check exit $good "server exited with status $server_status" \
  "$([ $stopped_by_us = yes ] && echo 'after SIGTERM' || echo 'by itself')"

if [ -n "$max_conns" ]; then
  if [ -n "$peak" ] && [ "$peak" -ge 1 ] && [ "$peak" -le "$max_conns" ]; then
    good=yes
  else
    good=no
  fi
  check max-conns $good "at most ${peak:-?} connections open at once," \
    "limit $max_conns"
fi

if [ $failed -eq 0 ]; then
  echo "run.sh: PASS"
else
  echo "run.sh: FAIL"
fi
exit $failed
