#!/bin/sh
# ruby_gem.sh - the gem as users install it.
#
# Copies ruby-ext with the C library's sources vendored into it, runs
# `gem build`, installs the .gem with `gem install --local` into a
# private directory (no network, no libevix installed), and uses it from a
# fresh Ruby: a timer, a scheduler run, and - when Debian's ruby-nio4r is
# installed - nio4r (which bundles its own libev, exporting ev_* symbols)
# working in the same process.
top_srcdir=${top_srcdir:-.}
n=0
okline() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

if [ -n "${EVIX_SKIP_RUBY:-}" ] || [ -n "${EVIX_KQUEUE_EMULATION:-}" ]; then
  echo "1..0 # SKIP the gem's suite runs in the normal build"
  exit 0
fi
for tool in ruby gem; do
  command -v $tool >/dev/null 2>&1 || { echo "1..0 # SKIP $tool is not installed"; exit 0; }
done
ruby -e 'require "mkmf"; exit(File.exist?(File.join(RbConfig::CONFIG["rubyhdrdir"], "ruby.h")) ? 0 : 1)' \
  >/dev/null 2>&1 || { echo "1..0 # SKIP Ruby's headers (ruby-dev) are not installed"; exit 0; }

src=$(cd "$top_srcdir" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/evix-gem.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/ruby-ext"
(cd "$src/ruby-ext" && tar cf - evix.gemspec README.md lib ext/evix/*.c ext/evix/*.h ext/evix/extconf.rb) |
  (cd "$tmp/ruby-ext" && tar xf -)
mkdir -p "$tmp/ruby-ext/ext/evix/libevix/src" "$tmp/ruby-ext/ext/evix/libevix/include"
cp "$src"/src/*.c "$src"/src/*.h "$tmp/ruby-ext/ext/evix/libevix/src/"
cp "$src"/include/*.h "$tmp/ruby-ext/ext/evix/libevix/include/"

(cd "$tmp/ruby-ext" && gem build evix.gemspec) >"$tmp/build.log" 2>&1
okline $? "gem build makes a self-contained gem"
gemfile=$(ls "$tmp"/ruby-ext/evix-*.gem 2>/dev/null | head -n1)
if [ -z "$gemfile" ]; then
  sed 's/^/# /' "$tmp/build.log" | tail -n 20
  echo "1..$n"
  exit 1
fi
okline $(tar -xOf "$gemfile" data.tar.gz | tar -tzf - | grep -q 'ext/evix/libevix/src/run.c'; echo $?) \
  "the gem carries the C library's sources"

# Offline, into a private directory; the build must not find libevix.
GEM_HOME=$tmp/gems gem install --local --no-document --install-dir "$tmp/gems" \
  "$gemfile" >"$tmp/install.log" 2>&1
rc=$?
okline $rc "gem install --local builds and installs it"
[ $rc = 0 ] || sed 's/^/# /' "$tmp/install.log" | tail -n 30

so=$(find "$tmp/gems" -name 'evix_ext.so' | head -n1)
if [ -n "$so" ] && command -v nm >/dev/null 2>&1; then
  exported=$(nm -D --defined-only "$so" | awk '{print $3}' | tr '\n' ' ')
  okline $([ "$exported" = "Init_evix_ext " ]; echo $?) \
    "the extension exports only Init_evix_ext (got: $exported)"
fi

cat >"$tmp/use.rb" <<'RUBY'
require "evix"
loop = Evix::Loop.new
fired = false
Evix::Timer.new(loop, 0.01) { fired = true }.start
loop.run
raise "timer did not fire" unless fired
order = []
Fiber.set_scheduler(Evix::Scheduler.new)
Fiber.schedule { sleep 0.02; order << :slow }
Fiber.schedule { sleep 0.01; order << :fast }
Fiber.set_scheduler(nil)
raise "scheduler order #{order}" unless order == [:fast, :slow]
puts "ok"
RUBY
GEM_PATH=$tmp/gems ruby -e 'Gem.paths = ENV; gem "evix"; load ARGV[0]' "$tmp/use.rb" >"$tmp/use.log" 2>&1
rc=$?
okline $rc "the installed gem runs a loop and Evix::Scheduler"
[ $rc = 0 ] || sed 's/^/# /' "$tmp/use.log" | tail -n 20

if ruby -e 'require "nio"' >/dev/null 2>&1; then
  # Debian's gems stay visible next to the private directory.
  syspath=$(ruby -e 'print Gem.path.join(":")')
  cat >"$tmp/nio.rb" <<'RUBY'
require "nio"
require "evix"
r1, w1 = IO.pipe
r2, w2 = IO.pipe
selector = NIO::Selector.new
selector.register(r1, :r)
loop = Evix::Loop.new
got = nil
Evix::IO.new(loop, r2, :r) { got = r2.read_nonblock(10) }.start
w1.write("nio")
w2.write("evix")
ready = selector.select(2)
raise "nio4r saw nothing" unless ready && ready.first.io == r1
loop.run(:once)
raise "evix saw #{got.inspect}" unless got == "evix"
puts "ok"
RUBY
  GEM_PATH=$tmp/gems:$syspath ruby -e 'Gem.paths = ENV; gem "evix"; load ARGV[0]' \
    "$tmp/nio.rb" >"$tmp/nio.log" 2>&1
  rc=$?
  okline $rc "evix and nio4r (which bundles libev) work in one process"
  [ $rc = 0 ] || sed 's/^/# /' "$tmp/nio.log" | tail -n 20
else
  n=$((n + 1))
  echo "ok $n - evix next to nio4r # SKIP ruby-nio4r is not installed"
fi
echo "1..$n"
