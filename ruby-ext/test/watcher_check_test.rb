# frozen_string_literal: true

require "test_helper"

# Evix::Check beyond what every watcher does (watcher_common_test.rb; the
# order against Evix::Prepare is in watcher_prepare_test.rb).
class WatcherCheckTest < Minitest::Test
  include EvixTest::PerBackend

  each_backend_test(:runs_after_the_wait_that_saw_io) do
    loop = new_loop
    r, w = IO.pipe
    got = []
    io = Evix::IO.new(loop, r, :r) { |me| got << :io; me.stop }
    check = Evix::Check.new(loop) { got << :check if got.include?(:io) || io.pending? }
    check.priority = Evix::MAXPRI # before the io block in the same iteration
    io.start
    check.start
    3.times { loop.run(:nowait) }
    assert_empty got, "nothing to check before the pipe is readable"
    w.write("x")
    run_until(loop) { got.include?(:io) }
    assert_equal %i[check io], got.first(2), "check saw the pending io event"
  ensure
    r&.close
    w&.close
  end
end
