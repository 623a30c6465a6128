#!/bin/sh
# t/examples.sh - the example echo server, judged by its scripted client.
#
# For examples/echo_server (built against evix) and, when the system libev
# is installed, examples/echo_server-libev (the same source built against
# libev), on every backend the server supports: runs examples/run.sh and
# turns its check lines into TAP.  Then, per server, checks --max-conns and
# a clean exit on SIGTERM while connections are open.
#
# Environment: top_srcdir, top_builddir (set by make check; default .),
# EVIX_TEST_BACKENDS (comma-separated backend names, like the C tests).
# Every wait is bounded; a whole run takes a few seconds per backend.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
bindir=$top_builddir/examples
run=$top_srcdir/examples/run.sh
client=$bindir/echo_client
idle=1

n=0
failures=0

# tap yes|no DESCRIPTION...
tap() {
  n=$((n + 1))
  result=$1
  shift
  if [ "$result" = yes ]; then
    echo "ok $n - $*"
  else
    echo "not ok $n - $*"
    failures=$((failures + 1))
  fi
}

# skip REASON DESCRIPTION
skip() {
  n=$((n + 1))
  echo "ok $n - $2 # SKIP $1"
}

finish() {
  echo "1..$n"
  [ $failures -gt 254 ] && failures=254
  exit $failures
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evix-t-examples.XXXXXX") || {
  echo "Bail out! mktemp failed"
  exit 255
}
server_pid=
client_pid=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  for pid in $server_pid $client_pid; do
    kill -KILL "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

nap() {
  sleep 0.1 2>/dev/null || sleep 1
}

# show GOOD FILE: copies FILE into the output.  After a failure (GOOD is
# not "yes") as TAP comments, which also reach the console; else as plain
# lines, which the TAP driver only keeps in the .log file.
show() {
  if [ "$1" = yes ]; then
    sed 's/^/  | /' "$2"
  else
    sed 's/^/# /' "$2"
  fi
}

# has_line FILE TEXT: whether FILE has a line starting with TEXT.
has_line() {
  awk -v t="$2" 'index($0, t) == 1 { found = 1 } END { exit !found }' "$1"
}

# passed FILE CHECK: "yes" if run.sh's output in FILE says CHECK is ok.
passed() {
  if has_line "$1" "check $2: ok"; then echo yes; else echo no; fi
}

# stat_of NAME FILE: value of NAME= in the server's stats line in FILE.
stat_of() {
  sed -n 's/^.*stats: .*/&/p' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" \
    | head -n 1
}

# wanted BACKEND: whether EVIX_TEST_BACKENDS (if set) names it.
wanted() {
  case ",${EVIX_TEST_BACKENDS:-$1}," in
    *",$1,"*) return 0 ;;
  esac
  return 1
}

# The large payload must not fit in the kernel's socket buffers, or the
# server's write watcher is never needed: twice the largest send buffer,
# at least the client's default of 8 MiB.
big=8388608
wmax=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_wmem 2>/dev/null)
case $wmax in
  ''|*[!0-9]*) ;;
  *)
    if [ $((wmax * 2)) -gt $big ]; then
      big=$((wmax * 2))
      [ $big -gt 67108864 ] && big=67108864
    fi
    ;;
esac

# ---- programs present ---------------------------------------------------

if [ -x "$bindir/echo_server" ] && [ -x "$client" ]; then
  tap yes "examples built: echo_server, echo_client"
else
  tap no "examples built: echo_server, echo_client (in $bindir)"
  finish
fi
servers="echo_server:evix"
if [ -x "$bindir/echo_server-libev" ]; then
  servers="$servers echo_server-libev:libev"
else
  skip "system libev not found" "echo_server-libev built"
fi

# ---- full runs: every server, every backend -----------------------------

# full_run SERVER IMPL BACKEND
full_run() {
  out=$tmp/run-$2-$3.out
  sh "$run" -q -s "$1" -b "$3" -i "$idle" -B "$big" "$bindir" >"$out" 2>&1
  status=$?
  ok=yes
  [ $status -eq 0 ] || ok=no

  tag="[$2, $3]"
  tap "$(passed "$out" echo)" "every byte echoed, 0 to $big bytes $tag"
  tap "$(passed "$out" keepalive)" "traffic restarts the idle timer $tag"
  tap "$(passed "$out" idle)" \
    "silent connection closed after the idle timeout $tag"
  tap "$(passed "$out" idle-after-activity)" \
    "idle timeout counts from the last traffic $tag"
  used=$(stat_of backend "$out")
  if [ "$used" = "$3" ] && [ "$(passed "$out" stats)" = yes ] \
     && [ "$(passed "$out" exit)" = yes ]; then
    good=yes
  else
    good=no
    ok=no
  fi
  tap $good "server ran on ${used:-?}, its counts match, it exits after" \
    "--exit-after N $tag"
  waits=$(stat_of write_waits "$out")
  pauses=$(stat_of read_pauses "$out")
  if [ "${waits:-0}" -gt 0 ] && [ "${pauses:-0}" -gt 0 ]; then
    tap yes "full socket: write watcher used ($waits), reading paused" \
      "($pauses) $tag"
  else
    tap no "full socket: write watcher used (${waits:-?}), reading" \
      "paused (${pauses:-?}) $tag"
    ok=no
  fi
  show $ok "$out"
}

for entry in $servers; do
  prog=${entry%%:*}
  impl=${entry#*:}
  have=$("$bindir/$prog" --list-backends)
  for b in epoll poll select kqueue iouring; do
    why=
    case " $have " in
      *" $b "*) ;;
      *) why="not supported on this system" ;;
    esac
    if [ -z "$why" ] && [ "$impl" = libev ] && [ "$b" = iouring ]; then
      why="libev 4.33 ships io_uring as experimental"
    fi
    if [ -z "$why" ] && ! wanted "$b"; then
      why="not in EVIX_TEST_BACKENDS"
    fi
    if [ -n "$why" ]; then
      skip "$why" "echo example on backend $b [$impl]"
      continue
    fi
    full_run "$prog" "$impl" "$b"
  done
done

# ---- --max-conns ----------------------------------------------------------

for entry in $servers; do
  prog=${entry%%:*}
  impl=${entry#*:}
  out=$tmp/maxconns-$impl.out
  sh "$run" -q -s "$prog" -m 2 -i "$idle" -B "$big" "$bindir" >"$out" 2>&1
  status=$?
  good=no
  if [ $status -eq 0 ] && has_line "$out" "check echo: ok" \
     && has_line "$out" "check max-conns: ok" \
     && [ "$(stat_of peak "$out")" = 2 ]; then
    good=yes
  fi
  tap $good "--max-conns 2: all clients served, exactly 2 at a time [$impl]"
  show $good "$out"
done

# ---- SIGTERM with connections open ---------------------------------------

# wait_port FILE PID: prints the port once FILE announces it (<= ~10 s).
wait_port() {
  tries=0
  while [ $tries -lt 100 ] && kill -0 "$2" 2>/dev/null; do
    port=$(sed -n 's/^listening on 127\.0\.0\.1 \([0-9][0-9]*\)$/\1/p' "$1")
    if [ -n "$port" ]; then
      echo "$port"
      return 0
    fi
    nap
    tries=$((tries + 1))
  done
  return 1
}

for entry in $servers; do
  prog=${entry%%:*}
  impl=${entry#*:}
  sout=$tmp/term-$impl.out
  serr=$tmp/term-$impl.err
  cout=$tmp/term-$impl.client
  : >"$sout"
  : >"$serr"
  "$bindir/$prog" -v --idle 30 --lifetime 60 0 >"$sout" 2>"$serr" &
  server_pid=$!
  good=no
  why="server did not start"
  if port=$(wait_port "$sout" "$server_pid"); then
    # With a 30 s idle timeout the client's slow connections stay open;
    # the client's own idle checks fail, which is expected here.
    nconns=$("$client" --count)
    "$client" --idle 30 --timeout 20 -B 65536 "$port" >"$cout" 2>&1 &
    client_pid=$!
    tries=0
    while [ "$(grep -c ' accepted,' "$serr")" -lt "$nconns" ] \
          && [ $tries -lt 100 ]; do
      nap
      tries=$((tries + 1))
    done
    kill -TERM "$server_pid"
    tries=0
    while kill -0 "$server_pid" 2>/dev/null && [ $tries -lt 100 ]; do
      nap
      tries=$((tries + 1))
    done
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid"
    status=$?
    server_pid=
    wait "$client_pid"
    client_pid=
    accepted=$(stat_of accepted "$sout")
    closed=$(stat_of closed "$sout")
    shut=$(grep -c '(server shutdown)' "$serr")
    why="status $status, accepted ${accepted:-?} of $nconns,"
    why="$why closed ${closed:-?}, $shut closed by the shutdown"
    if [ $status -eq 0 ] && [ "$accepted" = "$nconns" ] \
       && [ "$closed" = "$accepted" ] && [ "$shut" -gt 0 ]; then
      good=yes
    fi
  fi
  tap $good "SIGTERM: server closes open connections, exits 0 [$impl]"
  if [ $good = no ]; then
    echo "# $why"
  fi
  cat "$sout" "$serr" "$cout" >"$tmp/term-$impl.all" 2>/dev/null
  show $good "$tmp/term-$impl.all"
done

finish
