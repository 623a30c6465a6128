#!/bin/sh
# ruby.sh - the Ruby gem's test suite (ruby-ext/test), as TAP.
#
# Builds the extension out of tree (in $top_builddir/ruby-ext/build) and
# runs every minitest file, every test on every backend.  RUBY_TEST_MODE
# picks a variant: "plain" (default), "gc-stress" (GC.stress on) or
# "compact" (heap compaction before each test).  Skips when Ruby, its
# headers, rake or minitest are not installed.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
mode=${RUBY_TEST_MODE:-plain}

# The kqueue test build (configure --enable-kqueue-emulation) exists for
# the C suite; the gem compiles its own copy of the library.
if [ -n "${EVIX_SKIP_RUBY:-}" ]; then
  echo "1..0 # SKIP EVIX_SKIP_RUBY is set (the gem's suite runs in the normal build)"
  exit 0
fi
if [ -n "${EVIX_KQUEUE_EMULATION:-}" ]; then
  echo "1..0 # SKIP the gem builds its own library, not the kqueue test build"
  exit 0
fi

for tool in ruby rake; do
  command -v $tool >/dev/null 2>&1 || { echo "1..0 # SKIP $tool is not installed"; exit 0; }
done
ruby -e 'require "mkmf"; exit(File.exist?(File.join(RbConfig::CONFIG["rubyhdrdir"], "ruby.h")) ? 0 : 1)' \
  >/dev/null 2>&1 || { echo "1..0 # SKIP Ruby's headers (ruby-dev) are not installed"; exit 0; }
ruby -e 'require "minitest"' 2>/dev/null || { echo "1..0 # SKIP minitest is not installed"; exit 0; }

src=$(cd "$top_srcdir/ruby-ext" && pwd)
build=$(cd "$top_builddir" && pwd)/ruby-ext/build
mkdir -p "$build"

# One build per tree: the three variants may run in parallel, so the
# compile step is serialised with a lock.
if ! (cd "$src" && EVIX_BUILD_DIR=$build EVIX_WERROR=1 \
      flock "$build/.lock" rake compile) >"$build/compile.log" 2>&1; then
  echo "1..1"
  echo "not ok 1 - the extension builds"
  sed 's/^/# /' "$build/compile.log" | tail -n 40
  exit 1
fi

case $mode in
  gc-stress) export GC_STRESS=1 ;;
  compact) export EVIX_COMPACT=1 ;;
esac
cd "$src" && EVIX_TAP=1 EVIX_BUILD_DIR=$build exec ruby -w -I lib -I "$build/lib" -I test \
  -e 'ARGV.each { |f| require File.expand_path(f) }' test/*_test.rb
