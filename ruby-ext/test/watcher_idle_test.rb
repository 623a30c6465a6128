# frozen_string_literal: true

require "test_helper"

# Evix::Idle beyond what every watcher does (watcher_common_test.rb).
class WatcherIdleTest < Minitest::Test
  include EvixTest::PerBackend

  each_backend_test(:runs_when_nothing_else_is_due) do
    loop = new_loop
    idles = 0
    idle = Evix::Idle.new(loop) { |_w, events| idles += 1 if events == Evix::IDLE }
    idle.start
    timer = Evix::Timer.new(loop, 5) {}
    timer.start
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    3.times { loop.run(:once) }
    assert_equal 3, idles, "one idle call per iteration"
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0, :<, 4,
                    "the loop polled instead of sleeping until the timer"
    assert timer.active?
    idle.stop
    timer.stop

    # It waits for pending events of other watchers.
    order = []
    r, w = IO.pipe
    w.write("x")
    idle = Evix::Idle.new(loop) { |me| order << :idle; me.stop }
    io = Evix::IO.new(loop, r, :r) { |me| order << :io; me.stop }
    idle.start
    io.start
    run_until(loop) { order.include?(:idle) }
    assert_equal %i[io idle], order
  ensure
    r&.close
    w&.close
  end

  def test_takes_only_a_loop
    loop = Evix::Loop.new
    assert_raises(ArgumentError) { Evix::Idle.new(loop, 1) {} }
    assert_raises(ArgumentError) { Evix::Idle.new {} }
  ensure
    loop&.close
  end
end
