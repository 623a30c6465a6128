#!/bin/sh
# run_ruby.sh - runs the Ruby examples end to end under Evix::Scheduler:
#
#   1. echo_server.rb as a server process, and echo_server.rb --client
#      against it (many connections at once, every byte checked);
#   2. http_fetch.rb (concurrent Net::HTTP requests to its own local
#      server).
#
# Uses the evix gem from the source tree (ruby-ext/lib and its build
# directory, EVIX_BUILD_DIR or ruby-ext/build; built with `rake compile`
# when missing) or, failing that, an installed one.  Only 127.0.0.1.
# Prints what happens; exits 0 only if every check passed.
#
# usage: run_ruby.sh [-b|--backend NAME] [-n|--connections N]

usage() {
  sed -n 's/^# usage: /usage: /p' "$0"
}

backend=
connections=50
while [ $# -gt 0 ]; do
  case $1 in
    -b|--backend) backend=$2; shift 2 ;;
    -n|--connections) connections=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
ext=$top/ruby-ext
build=${EVIX_BUILD_DIR:-$ext/build}
RUBYLIB=$ext/lib:$build/lib${RUBYLIB:+:$RUBYLIB}
export RUBYLIB
ruby=${RUBY:-ruby}

command -v "$ruby" >/dev/null 2>&1 || { echo "run_ruby.sh: ruby is not installed" >&2; exit 1; }
if ! "$ruby" -e 'require "evix"' >/dev/null 2>&1; then
  echo "== building the extension (rake compile in $ext)"
  (cd "$ext" && EVIX_BUILD_DIR=$build rake compile) >"${TMPDIR:-/tmp}/evix-build.$$" 2>&1 || {
    tail -n 30 "${TMPDIR:-/tmp}/evix-build.$$"
    rm -f "${TMPDIR:-/tmp}/evix-build.$$"
    echo "run_ruby.sh: the extension does not build" >&2
    exit 1
  }
  rm -f "${TMPDIR:-/tmp}/evix-build.$$"
fi

backend_opt=
[ -n "$backend" ] && backend_opt="--backend $backend"
failures=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/evix-examples.XXXXXX") || exit 1
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# ---- 1. echo server and client ------------------------------------------------
echo "== echo_server.rb ($connections connections${backend:+, $backend})"
# shellcheck disable=SC2086
"$ruby" "$here/echo_server.rb" --port 0 --exit-after "$connections" --lifetime 60 \
  $backend_opt >"$tmp/server.out" 2>&1 &
server_pid=$!
port=
i=0
while [ $i -lt 100 ]; do
  port=$(sed -n 's/^listening on 127\.0\.0\.1 \([0-9][0-9]*\)$/\1/p' "$tmp/server.out")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
  i=$((i + 1))
done
if [ -z "$port" ]; then
  echo "FAIL: the echo server did not start"
  cat "$tmp/server.out"
  failures=$((failures + 1))
else
  sed 's/^/server: /' "$tmp/server.out"
  # shellcheck disable=SC2086
  if "$ruby" "$here/echo_server.rb" --client "$port" --connections "$connections" $backend_opt; then
    echo "ok: the client got every byte back"
  else
    echo "FAIL: the client's checks"
    failures=$((failures + 1))
  fi
  # The server exits by itself once it has served them all.
  i=0
  while kill -0 "$server_pid" 2>/dev/null && [ $i -lt 200 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    echo "FAIL: the echo server did not exit after serving $connections connections"
    failures=$((failures + 1))
  elif wait "$server_pid"; then
    sed -n 's/^stats: /server: /p' "$tmp/server.out"
    echo "ok: the server served them and exited"
  else
    echo "FAIL: the echo server exited with an error"
    sed 's/^/server: /' "$tmp/server.out"
    failures=$((failures + 1))
  fi
  server_pid=
fi

# ---- 2. concurrent HTTP fetches ---------------------------------------------------
echo "== http_fetch.rb${backend:+ ($backend)}"
# shellcheck disable=SC2086
if "$ruby" "$here/http_fetch.rb" --requests 10 --delay 0.2 $backend_opt; then
  echo "ok: every response right, fetched concurrently"
else
  echo "FAIL: http_fetch.rb"
  failures=$((failures + 1))
fi

if [ $failures -eq 0 ]; then
  echo "== all Ruby examples passed"
  exit 0
fi
echo "== $failures Ruby example check(s) failed"
exit 1
