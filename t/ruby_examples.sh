#!/bin/sh
# ruby_examples.sh - the Ruby examples (examples/run_ruby.sh) as one TAP
# test: the echo server and the concurrent HTTP fetcher under
# Evix::Scheduler, as README's first command runs them.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}

if [ -n "${EVIX_SKIP_RUBY:-}" ] || [ -n "${EVIX_KQUEUE_EMULATION:-}" ]; then
  echo "1..0 # SKIP the gem's suite runs in the normal build"
  exit 0
fi
command -v ruby >/dev/null 2>&1 || { echo "1..0 # SKIP ruby is not installed"; exit 0; }
build=$(cd "$top_builddir" && pwd)/ruby-ext/build
# t/ruby.sh builds the extension there; wait for it if it is running.
mkdir -p "$build"
if ! (cd "$top_srcdir/ruby-ext" && EVIX_BUILD_DIR=$build \
      flock "$build/.lock" rake compile) >"$build/examples-compile.log" 2>&1; then
  echo "1..1"
  echo "not ok 1 - the extension builds"
  exit 1
fi
echo "1..1"
if EVIX_BUILD_DIR=$build sh "$top_srcdir/examples/run_ruby.sh" >"$build/examples.log" 2>&1; then
  echo "ok 1 - examples/run_ruby.sh: echo server and HTTP fetcher under Evix::Scheduler"
else
  echo "not ok 1 - examples/run_ruby.sh failed"
  tail -n 30 "$build/examples.log" | sed 's/^/# /'
fi
