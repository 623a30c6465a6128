# frozen_string_literal: true

require "test_helper"

# Evix::IO beyond what every watcher does (watcher_common_test.rb).
class WatcherIOTest < Minitest::Test
  include EvixTest::PerBackend

  each_backend_test(:events_fds_and_closed_ios) do
    loop = new_loop
    r, w = IO.pipe
    seen = []
    watcher = Evix::IO.new(loop, w, :w) { |me, events| seen << events; me.stop }
    watcher.start
    run_until(loop) { seen.size == 1 }
    assert_equal [Evix::WRITE], seen
    assert_equal [w.fileno, w], [watcher.fd, watcher.io]

    # events= on an active watcher applies at once.
    rw = Evix::IO.new(loop, r.fileno, :w) { |me, events| seen << events; me.stop }
    rw.start
    rw.events = :r
    assert_equal Evix::READ, rw.events
    3.times { loop.run(:nowait) }
    assert_equal 1, seen.size, "the read end is not readable yet"
    w.write("x")
    run_until(loop) { seen.size == 2 }
    assert_equal Evix::READ, seen.last
    assert_nil rw.io, "an Integer fd has no IO object"

    # Anything with #to_io; closed IOs raise IOError.
    r2, w2 = IO.pipe
    wrapper = Object.new
    wrapper.define_singleton_method(:to_io) { r2 }
    got = nil
    watcher = Evix::IO.new(loop, wrapper, :r) { got = true }
    watcher.start
    w2.write("x")
    run_until(loop) { got }
    watcher.stop
    r2.close
    assert_raises(IOError) { watcher.start }
    refute watcher.active?
    assert_raises(IOError) { watcher.set(r2) }
    assert_raises(IOError) { Evix::IO.new(loop, r2) {} }
    assert_raises(TypeError) { Evix::IO.new(loop, "not an io") {} }
    refute loop.run(:nowait), "the loop stays usable"
  ensure
    [r, w, r2, w2].each { |io| io&.close unless io&.closed? }
  end
end
