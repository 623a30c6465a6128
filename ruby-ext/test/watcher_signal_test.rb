# frozen_string_literal: true

require "test_helper"

# Evix::Signal beyond what every watcher does (watcher_common_test.rb).
# USR1/USR2 get a harmless Ruby handler around each test: Evix::Signal
# restores what it replaced, and a stray signal must not end the run.
class WatcherSignalTest < Minitest::Test
  include EvixTest::PerBackend

  def setup
    super
    @marks = []
    @old = { USR1: trap(:USR1) { @marks << :ruby_usr1 }, USR2: trap(:USR2) {} }
  end

  def teardown
    super
    @old.each { |sig, handler| trap(sig, handler) }
  end

  def kill(sig)
    Process.kill(sig, Process.pid)
  end

  each_backend_test(:delivery_to_every_watcher_in_every_loop) do
    loop = new_loop
    got = nil
    s = Evix::Signal.new(loop, :USR1) { |w, events| got = [w, events] }
    s.start
    kill(:USR1)
    sleep 0.01 # Ruby runs trap handlers here: Evix's only wakes the loop
    assert_nil got, "the block runs inside the loop"
    run_until(loop) { got }
    assert_equal [s, Evix::SIGNAL], got
    assert_empty @marks, "the handler Evix::Signal replaced did not run"
    assert_equal [Signal.list["USR1"], "USR1"], [s.signum, s.signame]

    # Two watchers in this loop, one in a loop blocked in another thread.
    other = new_loop
    hits = []
    w2 = Evix::Signal.new(loop, Signal.list["USR1"]) { hits << :a2 }
    w3 = Evix::Signal.new(other, "SIGUSR1") { |me| hits << :b; me.stop }
    s.callback = proc { hits << :a1 }
    w2.start
    w3.start
    Evix::Timer.new(other, 5) {}.start
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    runner = Thread.new { other.run(:once) until hits.include?(:b) || other.active_watchers.zero? }
    sleep 0.05 # (runner now blocks in its wait)
    kill(:USR1)
    run_until(loop) { hits.include?(:a1) && hits.include?(:a2) }
    runner.join
    assert_equal %i[a1 a2 b], hits.sort
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0, :<, 3, "the blocked loop woke up"

    # Stopping one keeps the others (and the trap) working.
    s.stop
    hits.clear
    kill(:USR1)
    run_until(loop) { hits.include?(:a2) }
    assert_equal [:a2], hits
    assert_empty @marks
  ensure
    runner&.join
  end

  each_backend_test(:trap_handlers_are_restored_and_checked) do
    loop = new_loop
    mine = proc {}
    trap(:USR1, mine)
    s1 = Evix::Signal.new(loop, :USR1) {}
    s2 = Evix::Signal.new(loop, :USR1) {}
    s1.start
    s2.start
    s1.stop
    current = trap(:USR1, "IGNORE")
    trap(:USR1, current)
    refute_same mine, current, "still Evix's handler while s2 is active"
    s2.stop
    assert_same mine, trap(:USR1, mine), "stopping the last put it back"

    # Signals Ruby does not let a program trap.
    segv = Evix::Signal.new(loop, :SEGV) {}
    assert_raises(ArgumentError) { segv.start }
    kill9 = Evix::Signal.new(loop, :KILL) {}
    assert_raises(Errno::EINVAL) { kill9.start }
    assert !segv.active? && !kill9.active? && loop.active_watchers.zero?, "nothing started"
    refute loop.run(:nowait)

    # Closing the loop stops its signal watchers too.
    s1.start
    loop.close
    assert_same mine, trap(:USR1, mine)
  end


  def test_signal_names
    loop = Evix::Loop.new
    usr1 = Signal.list["USR1"]
    [:USR1, :SIGUSR1, "USR1", "SIGUSR1", usr1].each do |name|
      assert_equal usr1, Evix::Signal.new(loop, name) {}.signum, name.inspect
    end
    ["NOPE", :SIGNOPE, 0, 10_000].each do |bad|
      assert_raises(ArgumentError, bad.inspect) { Evix::Signal.new(loop, bad) {} }
    end
    [nil, 2.0].each do |bad|
      assert_raises(TypeError, bad.inspect) { Evix::Signal.new(loop, bad) {} }
    end
  ensure
    loop&.close
  end
end
