#!/bin/sh
# run.sh - run the benchmarks against evix and libev, alternately, and
# print a table of medians.
#
# usage: bench/run.sh [DIR]
#        bench/run.sh --report SAMPLES
#
# DIR holds the built programs (default: the directory of this script):
#   PROG        built against evix        (pipe_ring, timers, loop_overhead,
#                                          async, conn_memory, tcp_echo)
#   PROG-libev  built against libev
#   PROG_raw    the floor, no library     (pipe_ring_raw, async_raw)
# Missing programs are skipped and show as n/a.  --report prints the table
# again from the samples file of an earlier run.
#
# Environment:
#   BENCH_ROUNDS   rounds per program (default 9, or 3 with BENCH_QUICK=1)
#   BENCH_QUICK=1  small counts: a smoke run that takes seconds
#   BENCH_ONLY     programs to run, e.g. "pipe_ring async" (default: all)
#   BENCH_URING    programs to run a second time against evix with its
#                  io_uring backend (LIBEV_FLAGS=128), as the "uring"
#                  column (default: "pipe_ring tcp_echo loop_overhead";
#                  empty: none).  Skipped where the kernel refuses io_uring.
#   BENCH_RESULTS  file for the raw samples (default:
#                  DIR/results/run-DATE.txt); the table is also saved next
#                  to it, with ".table" appended
#
# Each round runs every program once per implementation, evix then libev
# (then evix on io_uring, then the floor), so slow drifts of the machine
# hit all alike; the table shows the median over rounds.  A program that
# fails is not run again in later rounds.  Exits non-zero only if a
# program failed or nothing could be run.

set -u

# The AWK configure found, when make passes it; any POSIX awk will do.
AWK=${AWK:-awk}
# med_of() and median(), shared with the other table printer.
stats_awk=$(dirname "$0")/stats.awk

# report SAMPLES: prints the table for a samples file, whose lines are
# "IMPL ROUND NAME VALUE UNIT", "IMPL # note" and "run # note".
report() {
  "$AWK" -f "$stats_awk" -f /dev/stdin SEND_PENDING_MAX=5 URING_GAIN=1.2 "$1" <<'EOF'
    # Notes: what run.sh recorded about the run, and the backend each
    # implementation used.
    $1 == "run" && $2 == "#" {
      sub(/^run # /, "")
      printf "%s\n", $0
      next
    }
    $2 == "#" {
      if ($3 == "backend" && !($1 in backend)) {
        backend[$1] = $4
        for (i = 5; i <= NF; i++) backend[$1] = backend[$1] " " $i
      }
      next
    }
    NF == 5 {
      impl = $1; m = $3
      seen[impl] = 1
      if (!(m in unit)) { order[++nmetrics] = m; unit[m] = $5 }
      k = impl SUBSEP m
      cnt[k]++
      val[k, cnt[k]] = $4 + 0
    }

    # Two decimals for small values: a few hundredths of a nanosecond
    # matter when a send costs five.
    function fmt(x) {
      if (x == "") return "n/a"
      return sprintf((x < 10 && x > -10) ? "%.2f" : "%.1f", x)
    }
    function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "n/a" : sprintf("%.3f", a / b) }

    END {
      has_u = ("uring" in seen)
      printf "backends: evix %s, libev %s, floor %s%s\n\n",
        ("evix" in backend) ? backend["evix"] : "n/a",
        ("libev" in backend) ? backend["libev"] : "n/a",
        ("floor" in backend) ? backend["floor"] : "n/a",
        has_u ? ", uring " (("uring" in backend) ? backend["uring"] : "n/a") : ""
      if (has_u) {
        hdr = "%-24s %-9s %10s %10s %10s %10s %11s %10s %11s %7s\n"
        printf hdr, "metric", "unit", "evix", "libev", "evix/libev", "uring",
          "uring/libev", "floor", "floor/libev", "noise"
        printf hdr, "------", "----", "----", "-----", "----------", "-----",
          "-----------", "-----", "-----------", "-----"
      } else {
        hdr = "%-24s %-9s %10s %10s %10s %10s %11s %7s\n"
        printf hdr, "metric", "unit", "evix", "libev", "evix/libev", "floor", "floor/libev", "noise"
        printf hdr, "------", "----", "----", "-----", "----------", "-----", "-----------", "-----"
      }
      for (i = 1; i <= nmetrics; i++) {
        m = order[i]
        e = l = f = u = ""
        noise = 0
        split("evix libev uring", impls, " ")
        for (j = 1; j <= 3; j++) {
          k = impls[j] SUBSEP m
          if (!(k in cnt)) continue
          med = median(k)
          if (impls[j] == "evix") e = med
          else if (impls[j] == "libev") l = med
          else u = med
          # Spread of the samples relative to the median, worst of all.
          if (med > 0 && mad / med > noise) noise = mad / med
        }
        if (("floor" SUBSEP m) in cnt) f = median("floor" SUBSEP m)
        if (has_u)
          printf hdr, m, unit[m], fmt(e), fmt(l), ratio(e, l),
            (u == "" ? "" : fmt(u)), (u == "" ? "" : ratio(u, l)),
            (f == "" ? "" : fmt(f)), (f == "" ? "" : ratio(f, l)),
            sprintf("%.1f%%", noise * 100)
        else
          printf hdr, m, unit[m], fmt(e), fmt(l), ratio(e, l),
            (f == "" ? "" : fmt(f)), (f == "" ? "" : ratio(f, l)),
            sprintf("%.1f%%", noise * 100)
        med_e[m] = e; med_l[m] = l; med_u[m] = u; spread[m] = noise
        if (f != "") {
          over_e[m] = (e == "" ? "" : e - f)
          over_l[m] = (l == "" ? "" : l - f)
          over_u[m] = (u == "" ? "" : u - f)
          has_floor[++nfloor] = m
        }
      }
      if (nfloor > 0) {
        printf "\nlibrary overhead above the floor (median minus floor):\n"
        for (i = 1; i <= nfloor; i++) {
          m = has_floor[i]
          printf "  %-22s evix %8s   libev %8s%s  %s\n", m, fmt(over_e[m]),
            fmt(over_l[m]),
            (has_u && over_u[m] != "") ? sprintf("   uring %8s", fmt(over_u[m])) : "",
            unit[m]
        }
      }

      # evix targets for the ev_async and memory rows: no worse than libev
      # (a ratio above 1 by less than twice the noise is no difference),
      # and a send while one is pending within SEND_PENDING_MAX ns.
      ntarget = 0
      for (i = 1; i <= nmetrics; i++) {
        m = order[i]
        if (m !~ /^(async|mem)_/) continue
        if (!ntarget++) printf "\nevix targets:\n"
        e = med_e[m]; l = med_l[m]
        if (m == "async_send_pending" && e != "")
          printf "  %-22s %-36s %s\n", m,
            sprintf("evix %s %s <= %s", fmt(e), unit[m], SEND_PENDING_MAX),
            (e <= SEND_PENDING_MAX + 0 ? "met" : "MISSED")
        if (e == "" || l == "" || l == 0) {
          printf "  %-22s %-36s %s\n", m, "evix/libev <= 1", "n/a"
          continue
        }
        r = e / l
        printf "  %-22s %-36s %s\n", m,
          sprintf("evix/libev %.3f <= 1", r),
          (r <= 1 ? "met" : r <= 1 + 2 * spread[m] ? \
            sprintf("met (within 2x noise, %.1f%%)", spread[m] * 100) : "MISSED")
      }

      # The io_uring target (issue 5): at least URING_GAIN times the
      # throughput of libev on epoll, i.e. libev time per operation over
      # uring time per operation, on the pipe ring with timers and on TCP
      # echo with 100 connections.
      if (has_u) {
        nt = 0
        for (i = 1; i <= nmetrics; i++) {
          m = order[i]
          if (m !~ /^(pipe_timer_|echo_)/) continue
          if (!nt++) printf "\nio_uring target (throughput vs libev on epoll >= %sx):\n", URING_GAIN
          u = med_u[m]; l = med_l[m]
          if (u == "" || l == "" || u == 0) {
            printf "  %-22s %-36s %s\n", m, "libev/uring", "n/a"
            continue
          }
          printf "  %-22s %-36s %s\n", m, sprintf("libev/uring %.3f >= %s", l / u, URING_GAIN),
            (l / u >= URING_GAIN + 0 ? "met" : "MISSED")
        }
      }

      printf "\nlower is better in every row (time per operation, or library bytes\n"
      printf "per connection); ratios < 1 favour evix (or evix on io_uring, in\n"
      printf "the uring/libev column).  noise: median absolute deviation / median\n"
      printf "over the rounds, worst of the implementations; a ratio within about\n"
      printf "2x noise of 1 is no difference.\n"
    }
EOF
}

if [ "${1:-}" = --report ]; then
  [ -r "${2:-}" ] || { echo "usage: run.sh --report SAMPLES" >&2; exit 2; }
  report "$2"
  exit 0
fi

dir=${1:-$(dirname "$0")}
quick=${BENCH_QUICK:-0}
case $quick in
  ''|0|no|false) quick=0; default_rounds=9; qflag= ;;
  *) quick=1; default_rounds=3; qflag=-q ;;
esac
rounds=${BENCH_ROUNDS:-$default_rounds}
case $rounds in
  ''|*[!0-9]*|0) echo "run.sh: BENCH_ROUNDS must be a positive integer" >&2
                 exit 2 ;;
esac
programs=${BENCH_ONLY:-pipe_ring timers loop_overhead async conn_memory tcp_echo}
uring_programs=${BENCH_URING-pipe_ring tcp_echo loop_overhead}

stamp=$(date +%Y%m%d-%H%M%S)
results=${BENCH_RESULTS:-$dir/results/run-$stamp.txt}
mkdir -p "$(dirname "$results")" || exit 2
{
  echo "run # host: $(uname -srm)," \
       "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cpu(s);" \
       "$(date '+%Y-%m-%d %H:%M');" \
       "rounds: $rounds$( [ "$quick" = 1 ] && echo ' (quick)')"
} > "$results" || exit 2
out=$(mktemp "${TMPDIR:-/tmp}/evix-bench.XXXXXX") || exit 2
err=$(mktemp "${TMPDIR:-/tmp}/evix-bench.XXXXXX") || exit 2
trap 'rm -f "$out" "$err"' EXIT
trap 'exit 130' INT TERM

failed=0
ran=0
broken=' '

# run_one IMPL ROUND BINARY: runs one program and appends its results as
# "IMPL ROUND NAME VALUE UNIT" lines (notes as "IMPL # ...").  The "uring"
# implementation is the evix program with LIBEV_FLAGS=128 (io_uring only).
run_one() {
  [ -x "$3" ] || return 0
  case $broken in *" $1:$3 "*) return 0 ;; esac
  if [ "$1" = uring ]; then
    LIBEV_FLAGS=128 "$3" $qflag > "$out" 2> "$err"
  else
    "$3" $qflag > "$out"
  fi
  status=$?
  if [ "$status" -eq 0 ]; then
    ran=$((ran + 1))
  elif [ "$1" = uring ] && grep -q "ev_loop_new failed" "$err"; then
    # The kernel refuses io_uring here: not a failure of the program.
    echo "run.sh: no io_uring loop here; skipping the uring runs" >&2
    echo "run # uring: the kernel refused io_uring" >> "$results"
    uring_programs=
    return 0
  else
    [ "$1" = uring ] && cat "$err" >&2
    # A failure is not a slow result: retrying would only repeat it, and a
    # hang would cost a full watchdog period every round.
    if [ "$status" -eq 142 ]; then
      echo "run.sh: $3 ($1) was killed by its watchdog (SIGALRM);" \
           "not running it again" >&2
    else
      echo "run.sh: $3 ($1) failed (exit status $status);" \
           "not running it again" >&2
    fi
    broken="$broken$1:$3 "
    failed=1
  fi
  # Keep whatever was measured even if the program died half-way.
  "$AWK" -v impl="$1" -v round="$2" '
    /^#/ { print impl, $0; next }
    NF == 3 { print impl, round, $1, $2, $3 }
  ' "$out" >> "$results"
}

echo "evix benchmarks: $rounds round(s)$( [ "$quick" = 1 ] && echo ', quick')," \
     "programs in $dir" >&2
r=1
while [ "$r" -le "$rounds" ]; do
  echo "  round $r/$rounds: $programs" >&2
  for p in $programs; do
    run_one evix "$r" "$dir/$p"
    run_one libev "$r" "$dir/$p-libev"
    case " $uring_programs " in
      *" $p "*) run_one uring "$r" "$dir/$p" ;;
    esac
    run_one floor "$r" "$dir/${p}_raw"
  done
  r=$((r + 1))
done

if [ "$ran" -eq 0 ]; then
  echo "run.sh: no benchmark programs found in $dir" \
       "(build them with 'make bench')" >&2
  rm -f "$results"
  exit 1
fi

{
  echo
  echo "raw samples: $results"
  report "$results"
} | tee "$results.table"

exit "$failed"
