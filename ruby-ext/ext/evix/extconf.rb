# extconf.rb - builds the evix extension with the evix C library inside.
#
# The library's sources are compiled into the extension itself, so the gem
# needs no installed libevix.  They come from ext/evix/libevix/ in a built
# gem (rake vendor copies them there) or from the repository's src/ and
# include/ when building in place.  Every symbol of the library is hidden
# (EVIX_EMBEDDED, -fvisibility=hidden): the extension can share a process
# with another gem that bundles libev (nio4r) without symbol clashes.
require "mkmf"

here = File.expand_path(__dir__)
vendored = File.join(here, "libevix")
in_repo = File.expand_path("../../..", here)
root =
  if File.directory?(File.join(vendored, "src"))
    vendored
  elsif File.file?(File.join(in_repo, "src", "run.c"))
    in_repo
  else
    abort "evix: the C library's sources were not found (run `rake vendor`)"
  end
lib_src = File.join(root, "src")
lib_inc = File.join(root, "include")

# The library's own configure checks, done the mkmf way; the results land
# in the evix_ext_config.h that src/evix-internal.h includes when
# EVIX_EMBEDDED is defined.
backends = []
if have_header("sys/epoll.h") && have_func("epoll_create1", "sys/epoll.h")
  $defs << "-DHAVE_BACKEND_EPOLL=1"
  backends << "epoll"
end
if have_header("poll.h") && have_func("poll", "poll.h")
  $defs << "-DHAVE_BACKEND_POLL=1"
  backends << "poll"
end
if have_header("sys/select.h") && have_func("select", "sys/select.h")
  $defs << "-DHAVE_BACKEND_SELECT=1"
  backends << "select"
end
if have_header("sys/event.h") && have_func("kqueue", "sys/event.h")
  $defs << "-DHAVE_BACKEND_KQUEUE=1"
  backends << "kqueue"
end
if have_header("linux/io_uring.h") && have_header("sys/syscall.h")
  $defs << "-DHAVE_BACKEND_IOURING=1"
  backends << "iouring"
end
abort "evix: no event backend (epoll, poll, select) found" if backends.empty?
%w[sys/eventfd.h sys/signalfd.h sys/timerfd.h sys/inotify.h].each { |h| have_header(h) }
%w[pipe2 eventfd signalfd timerfd_create inotify_init1 epoll_pwait2 ppoll].each { |f| have_func(f) }
version = File.read(File.expand_path("../../lib/evix/version.rb", here))[/VERSION\s*=\s*"([^"]+)"/, 1]
$defs << %(-DPACKAGE_VERSION=\\"#{version}\\")

# Ruby features, detected rather than assumed from the version.
have_func("rb_thread_interrupted", "ruby.h")
have_func("rb_io_descriptor", "ruby/io.h")
have_func("rb_fiber_transfer", "ruby.h")
have_func("rb_process_status_wait", "ruby.h")
have_const("RB_NOGVL_PENDING_INTR_FAIL", "ruby/thread.h")
have_func("pidfd_open")
have_header("sys/pidfd.h")
create_header("evix_ext_config.h")

library_files = Dir[File.join(lib_src, "*.c")].map { |f| File.basename(f) }
# The libevent emulation is for C programs; the gem does not need it.
library_files -= %w[event.c event_init.c]
# Only the backends this system has.
library_files.reject! do |f|
  f =~ /\Abackend_(\w+)\.c\z/ && !backends.include?($1)
end
ext_files = Dir[File.join(here, "*.c")].map { |f| File.basename(f) }
clash = library_files & ext_files
abort "evix: file names used by both the library and the extension: #{clash}" unless clash.empty?

$srcs = ext_files + library_files
$VPATH << lib_src
$INCFLAGS << " -I#{lib_inc} -I#{lib_src} -I$(srcdir)"
# On the command line, not in the generated header: evix-internal.h needs
# it to choose that header.
$CFLAGS << " -DEVIX_EMBEDDED=1 -D_GNU_SOURCE -fvisibility=hidden -std=gnu99"
$CFLAGS << " -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers"
$CFLAGS << " -Werror" if ENV["EVIX_WERROR"]
if ENV["RUBY_DEBUG"]
  $CFLAGS << " -O0 -g3"
end
if ENV["RUBY_SANITIZE"]
  # Fiber stacks are reused; ASan's stack instrumentation reports them as
  # overflows (run with ASAN_OPTIONS=use_sigaltstack=0 as well).
  $CFLAGS << " -fsanitize=address,undefined -fno-omit-frame-pointer --param asan-stack=0"
  $LDFLAGS << " -fsanitize=address,undefined"
end

create_makefile("evix/evix_ext")
