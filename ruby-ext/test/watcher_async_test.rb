# frozen_string_literal: true

require "test_helper"

# Evix::Async beyond what every watcher does (watcher_common_test.rb).
class WatcherAsyncTest < Minitest::Test
  include EvixTest::PerBackend

  each_backend_test(:sends_wake_coalesce_and_need_a_started_watcher) do
    loop = new_loop
    got = nil
    a = Evix::Async.new(loop) { |w, events| got = [w, events]; w.stop }
    a.start
    guard = Evix::Timer.new(loop, 5) {}
    guard.start
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    sender = Thread.new { sleep 0.05; a.send }
    loop.run(:once) until got || !guard.active?
    assert_equal [a, Evix::ASYNC], got
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0, :<, 3

    # Sends coalesce; many threads may send.
    calls = 0
    a = Evix::Async.new(loop) { calls += 1 }
    a.start
    refute a.async_pending?
    assert_same a, a.send
    a.signal
    assert a.async_pending?
    loop.run(:nowait)
    assert_equal 1, calls, "two sends, one call"
    refute a.async_pending?

    per_thread = ENV["GC_STRESS"] ? 5 : 200
    threads = Array.new(ENV["GC_STRESS"] ? 2 : 4) { Thread.new { per_thread.times { a.send } } }
    threads.each(&:join)
    run_until(loop) { !a.async_pending? }
    assert_operator calls, :>=, 2
    a.stop

    # A send to a stopped watcher is lost; a closed loop raises.
    calls = 0
    a = Evix::Async.new(loop) { calls += 1 }
    a.send
    a.start
    3.times { loop.run(:nowait) }
    assert_equal 0, calls
    loop.close
    assert_raises(IOError) { a.send }
  ensure
    sender&.join
  end

  def test_send_with_arguments_is_object_send
    loop = Evix::Loop.new
    a = Evix::Async.new(loop) {}
    assert_equal Evix::Async, a.send(:class)
    assert_same a, a.send(:start)
    assert a.active?
    assert_equal [1, 2], a.send(:then) { [1, 2] }
    assert_equal({ k: 1 }, a.send(:instance_exec, k: 1) { |**kw| kw })
    assert_kind_of Binding, a.send(:binding), "private methods too, like Object#send"
    assert_raises(ArgumentError) { a.signal(1) }
  ensure
    loop&.close
  end
end
