# frozen_string_literal: true

require "test_helper"

# Evix::Timer beyond what every watcher does (watcher_common_test.rb).
class WatcherTimerTest < Minitest::Test
  include EvixTest::PerBackend

  each_backend_test(:order_repeat_again_remaining) do
    loop = new_loop
    order = []
    Evix::Timer.new(loop, 0.03) { order << :late }.start
    Evix::Timer.new(loop, 0.01) { order << :early }.start
    n = 0
    Evix::Timer.new(loop, 0.005, 0.005) { |t| n += 1; t.stop if n == 3 }.start
    loop.run
    assert_equal [:early, :late], order
    assert_equal 3, n

    # #again restarts with the repeat value; #remaining tells how long.
    fired = 0
    t = Evix::Timer.new(loop, 10, 0.02) { |me| fired += 1; me.stop }
    t.start
    assert_in_delta 10, t.remaining, 1
    t.again # restarts with the repeat value
    assert_in_delta 0.02, t.remaining, 0.02
    run_until(loop) { fired == 1 }
    t.repeat = 0
    t.again # repeat 0: stops it
    refute t.active?
  end

  def test_argument_checks
    loop = Evix::Loop.new
    assert_raises(ArgumentError) { Evix::Timer.new(loop, 1, -1) {} }
    assert_raises(ArgumentError) { Evix::Timer.new(loop, Float::NAN) {} }
    assert_raises(TypeError) { Evix::Timer.new(loop, "1") {} }
    assert_raises(ArgumentError) { Evix::Timer.new(loop) {} }
    t = Evix::Timer.new(loop, 1) {}
    t.start
    assert_raises(RuntimeError) { t.set(2) }
    t.stop
    t.set(2, 1)
    assert_equal 1.0, t.repeat
  ensure
    loop&.close
  end
end
