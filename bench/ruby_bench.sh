#!/bin/sh
# ruby_bench.sh - the Ruby scheduler benchmark: the same plain-Ruby server
# (bench/ruby_echo_server.rb) under Evix::Scheduler, thread per connection,
# and under Async, driven by bench/echo_load in a separate process; plus
# the sleep and Queue micro-benchmarks (bench/ruby_sched_micro.rb).  Prints
# a table of medians and evix's ratio to each of the other two.
#
# usage: bench/ruby_bench.sh [DIR]
#        bench/ruby_bench.sh --report SAMPLES
#
# DIR holds the built load generator, DIR/echo_load (default: the
# directory of this script).  --report prints the table again from the
# samples file of an earlier run.
#
# Environment:
#   BENCH_ROUNDS     rounds (default 5, or 2 with BENCH_QUICK=1)
#   BENCH_QUICK=1    short windows: a smoke run of about half a minute
#   BENCH_RESULTS    file for the raw samples (default:
#                    DIR/results/ruby-DATE.txt); the table goes next to it,
#                    with ".table" appended
#   RUBY_BENCH_MODES modes to compare (default "evix threads async")
#   RUBY_BENCH_ONLY  workloads (default "echo_c100 echo_c1000 http_c1000
#                    micro")
#   EVIX_BUILD_DIR   where the extension is built (default: ruby-ext/build
#                    of the source tree); it is (re)built with rake compile
#   RUBY             the ruby to use (default: ruby)
#
# Each round runs every workload once per mode, evix then threads then
# async, so slow drifts of the machine hit all alike; the table shows the
# median over rounds.  Nothing is pinned: the server and the load
# generator share the machine's CPUs.  Every process has a time limit.

set -u

AWK=${AWK:-awk}
# med_of() and median(), shared with the other table printer.
stats_awk=$(dirname "$0")/stats.awk

# report SAMPLES: the table for a samples file, whose lines are
# "MODE ROUND NAME VALUE UNIT", "MODE # note" and "run # note".
report() {
  "$AWK" -f "$stats_awk" -f /dev/stdin THREADS_GAIN=1.5 "$1" <<'EOF'
    $1 == "run" && $2 == "#" { sub(/^run # /, ""); print; next }
    $2 == "#" { next }
    NF == 5 {
      mode = $1; m = $3
      if (!(m in unit)) { order[++nmetrics] = m; unit[m] = $5 }
      k = mode SUBSEP m
      cnt[k]++
      val[k, cnt[k]] = $4 + 0
    }

    function fmt(x) {
      if (x == "") return "n/a"
      return sprintf(x >= 1000 ? "%.0f" : x >= 10 ? "%.1f" : "%.2f", x)
    }
    # How many times better evix is than the other mode: throughput
    # (trips/s) evix/other; for the time and CPU rows other/evix.
    function gain(m, e, o) {
      if (e == "" || o == "" || e == 0 || o == 0) return ""
      return unit[m] ~ /\/s$/ ? e / o : o / e
    }
    function gfmt(g) { return g == "" ? "n/a" : sprintf("%.2fx", g) }

    END {
      hdr = "%-22s %-9s %10s %10s %10s %12s %11s %7s\n"
      printf hdr, "metric", "unit", "evix", "threads", "async", "vs threads", "vs async", "noise"
      printf hdr, "------", "----", "----", "-------", "-----", "----------", "--------", "-----"
      for (i = 1; i <= nmetrics; i++) {
        m = order[i]
        e = t = a = ""
        noise = 0
        split("evix threads async", modes, " ")
        for (j = 1; j <= 3; j++) {
          k = modes[j] SUBSEP m
          if (!(k in cnt)) continue
          med = median(k)
          if (j == 1) e = med; else if (j == 2) t = med; else a = med
          if (med > 0 && mad / med > noise) noise = mad / med
        }
        gt[m] = gain(m, e, t); ga[m] = gain(m, e, a); spread[m] = noise
        printf hdr, m, unit[m], fmt(e), fmt(t), fmt(a), gfmt(gt[m]), gfmt(ga[m]),
          sprintf("%.1f%%", noise * 100)
      }

      # Issue 4: requests/s at least 1.5x thread-per-connection and ahead
      # of Async (a lead smaller than twice the noise is no lead).
      nt = 0
      for (i = 1; i <= nmetrics; i++) {
        m = order[i]
        if (unit[m] != "trips/s") continue
        if (!nt++) printf "\nevix targets (requests/s: >= %.1fx threads, ahead of async):\n", THREADS_GAIN
        if (gt[m] == "") vt = "n/a"
        else vt = (gt[m] >= THREADS_GAIN) ? "met" : "MISSED"
        if (ga[m] == "") va = "n/a"
        else if (ga[m] > 1 + 2 * spread[m]) va = "met"
        else if (ga[m] > 1) va = sprintf("met, within 2x noise (%.1f%%)", spread[m] * 100)
        else va = "MISSED"
        printf "  %-20s %-26s %-8s %-20s %s\n", m,
          sprintf("vs threads %s >= %.1fx", gfmt(gt[m]), THREADS_GAIN), vt,
          sprintf("vs async %s > 1x", gfmt(ga[m])), va
      }

      printf "\nmedians over the rounds.  vs threads / vs async: how many times\n"
      printf "better evix is (trips/s: evix/other; us, ns and CPU rows:\n"
      printf "other/evix); above 1 favours evix.  *_srvcpu: server CPU time\n"
      printf "per round trip.  noise: median absolute deviation / median, worst\n"
      printf "of the modes; a ratio within about 2x noise of 1 is no difference.\n"
    }
EOF
}

if [ "${1:-}" = --report ]; then
  [ -r "${2:-}" ] || { echo "usage: ruby_bench.sh --report SAMPLES" >&2; exit 2; }
  report "$2"
  exit 0
fi

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
dir=${1:-$here}
load=$dir/echo_load
ruby=${RUBY:-ruby}
quick=${BENCH_QUICK:-0}
case $quick in
  ''|0|no|false) quick=0; default_rounds=5 ;;
  *) quick=1; default_rounds=2 ;;
esac
rounds=${BENCH_ROUNDS:-$default_rounds}
case $rounds in
  ''|*[!0-9]*|0) echo "ruby_bench.sh: BENCH_ROUNDS must be a positive integer" >&2
                 exit 2 ;;
esac
if [ "$quick" = 1 ]; then
  window=0.5 warm=0.2 qflag=-q
else
  window=2 warm=0.5 qflag=
fi
workloads=${RUBY_BENCH_ONLY:-echo_c100 echo_c1000 http_c1000 micro}
modes=${RUBY_BENCH_MODES:-evix threads async}

[ -x "$load" ] || { echo "ruby_bench.sh: no load generator $load" \
                         "(build it with 'make bench-ruby')" >&2; exit 2; }
command -v "$ruby" >/dev/null 2>&1 || { echo "ruby_bench.sh: $ruby is not installed" >&2; exit 2; }

# The gem from the source tree, built (or brought up to date) first.
ext=$top/ruby-ext
build=${EVIX_BUILD_DIR:-$ext/build}
mkdir -p "$build" || exit 2
if ! (cd "$ext" && EVIX_BUILD_DIR=$build rake compile) >"$build/bench-compile.log" 2>&1; then
  tail -n 30 "$build/bench-compile.log" >&2
  echo "ruby_bench.sh: the extension does not build" >&2
  exit 1
fi
RUBYLIB=$ext/lib:$build/lib${RUBYLIB:+:$RUBYLIB}
export RUBYLIB

# Connections take one descriptor at each end.
ulimit -n "$(ulimit -Hn)" 2>/dev/null

stamp=$(date +%Y%m%d-%H%M%S)
results=${BENCH_RESULTS:-$dir/results/ruby-$stamp.txt}
mkdir -p "$(dirname "$results")" || exit 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/evix-rbench.XXXXXX") || exit 2
server_pid=

# stop_server: SIGTERM (the server exits at once), SIGKILL if it has not
# after three seconds.
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null
  i=0
  while kill -0 "$server_pid" 2>/dev/null && [ $i -lt 30 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  kill -KILL "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=
}
trap 'stop_server; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# Modes that cannot run here are left out, with a note.
available=
for m in $modes; do
  case $m in
    evix) lib=evix ;;
    async) lib=async ;;
    threads) lib= ;;
    *) echo "ruby_bench.sh: unknown mode $m" >&2; exit 2 ;;
  esac
  if [ -n "$lib" ] && ! "$ruby" -e "require '$lib'" >/dev/null 2>&1; then
    echo "ruby_bench.sh: cannot require '$lib': leaving out the $m mode" >&2
    echo "run # $m: not available (require '$lib' fails)" >>"$results"
    continue
  fi
  available="$available $m"
done
[ -n "$available" ] || { echo "ruby_bench.sh: no mode can run" >&2; exit 1; }

{
  echo "run # host: $(uname -srm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cpu(s)," \
       "nothing pinned (server and load generator share them); $(date '+%Y-%m-%d %H:%M')"
  echo "run # $("$ruby" -e 'print RUBY_DESCRIPTION'); async" \
       "$("$ruby" -e 'require "async/version"; print Async::VERSION' 2>/dev/null || echo n/a);" \
       "evix backend $("$ruby" -e 'require "evix"; print Evix::Loop.new.backend' 2>/dev/null || echo n/a)"
  echo "run # rounds: $rounds$( [ "$quick" = 1 ] && echo ' (quick)'); timed window" \
       "${window} s after ${warm} s of warm-up; 64-byte echo messages"
} >>"$results"

failed=0
broken=' '

# run_server MODE ROUND WORKLOAD: one server process, one load generator.
run_server() {
  name=$3
  proto=${name%%_c*}
  conns=${name##*_c}
  "$ruby" "$here/ruby_echo_server.rb" --mode "$1" --proto "$proto" --lifetime 90 \
    >"$tmp/server.out" 2>&1 &
  server_pid=$!
  port=
  i=0
  while [ $i -lt 150 ]; do
    port=$(sed -n 's/^listening on 127\.0\.0\.1 \([0-9][0-9]*\)$/\1/p' "$tmp/server.out")
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
  done
  if [ -z "$port" ]; then
    echo "ruby_bench.sh: the $1 server did not start:" >&2
    sed 's/^/  /' "$tmp/server.out" >&2
    stop_server
    return 1
  fi
  "$load" -p "$port" -c "$conns" -m "$proto" -s 64 -d "$window" -w "$warm" \
    -P "$server_pid" -n "$name" >"$tmp/out" 2>"$tmp/err"
  status=$?
  stop_server
  if [ "$status" -ne 0 ]; then
    sed 's/^/  /' "$tmp/err" >&2
    grep -v '^listening' "$tmp/server.out" | sed 's/^/  server: /' >&2
  fi
  return "$status"
}

run_micro() {
  "$ruby" "$here/ruby_sched_micro.rb" --mode "$1" $qflag >"$tmp/out" 2>"$tmp/err"
  status=$?
  [ "$status" -ne 0 ] && sed 's/^/  /' "$tmp/err" >&2
  return "$status"
}

echo "ruby scheduler benchmark: $rounds round(s)$( [ "$quick" = 1 ] && echo ', quick')," \
     "modes:$available" >&2
r=1
while [ "$r" -le "$rounds" ]; do
  echo "  round $r/$rounds: $workloads" >&2
  for w in $workloads; do
    for m in $available; do
      case $broken in *" $m:$w "*) continue ;; esac
      : >"$tmp/out"
      if [ "$w" = micro ]; then
        run_micro "$m"
      else
        run_server "$m" "$r" "$w"
      fi
      status=$?
      if [ "$status" -ne 0 ]; then
        echo "ruby_bench.sh: $w ($m) failed (exit status $status); not running it again" >&2
        echo "run # $w ($m) failed in round $r (exit status $status)" >>"$results"
        broken="$broken$m:$w "
        failed=1
      fi
      # Whatever was measured, even by a run that failed half-way.
      "$AWK" -v mode="$m" -v round="$r" '
        /^#/ { print mode, $0; next }
        NF == 3 { print mode, round, $1, $2, $3 }
      ' "$tmp/out" >>"$results"
    done
  done
  r=$((r + 1))
done

{
  echo
  echo "raw samples: $results"
  report "$results"
} | tee "$results.table"

exit "$failed"
