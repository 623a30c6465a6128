# frozen_string_literal: true

require "test_helper"

# The GVL and interrupts: Loop#run releases the GVL only while it waits,
# and Ctrl-C (SIGINT), Thread#raise and trap handlers get through a
# blocked (or busy) loop promptly; the loop stays usable afterwards.
class InterruptTest < Minitest::Test
  include EvixTest::PerBackend

  class Poke < StandardError; end

  def now
    Process.clock_gettime(Process::CLOCK_MONOTONIC)
  end

  # A Prepare watcher tells when the loop is about to wait: the returned
  # lambda blocks (bounded) until then, for the thread that interrupts it.
  def entered_flag(loop)
    entered = false
    Evix::Prepare.new(loop) { |w| entered = true; w.stop }.start
    lambda do
      deadline = now + 5
      sleep 0.002 until entered || now > deadline
      sleep 0.05 # let it get into the wait
    end
  end

  def with_default_int_handler
    old = trap(:INT, "DEFAULT")
    yield
  ensure
    trap(:INT, old)
  end

  each_backend_test(:other_threads_run_while_the_loop_waits) do
    loop = new_loop
    count = 0
    done = false
    counter = Thread.new do
      until done
        count += 1
        sleep 0.001
      end
    end
    deadline = now + 5
    Thread.pass until count.positive? || now > deadline
    # The wait starts after prepare, and its timer is set there (from an
    # updated clock), so the loop waits the whole 0.3 s however slow the
    # set-up was.  Holding the GVL meanwhile, it would let no increment in.
    before = after = nil
    Evix::Prepare.new(loop) do |w|
      w.stop
      loop.update_now
      before = count
      Evix::Timer.new(loop, 0.3) { after = count }.start
    end.start
    loop.run
    done = true
    counter.join
    assert_operator after - before, :>, 3, "the counting thread needed the GVL while the loop waited"
  end

  each_backend_test(:sigint_interrupts_a_waiting_run) do
    loop = new_loop
    Evix::Timer.new(loop, 10) {}.start
    wait_entered = entered_flag(loop)
    with_default_int_handler do
      t0 = now
      killer = Thread.new { wait_entered.call; Process.kill(:INT, Process.pid) }
      assert_raises(Interrupt) { loop.run }
      killer.join
      assert_operator now - t0, :<, 5, "promptly, not when the timer fires"
    end
    fired = false
    Evix::Timer.new(loop, 0) { fired = true }.start
    loop.run(:once)
    assert fired, "the loop is usable after the interrupt"
  end

  each_backend_test(:thread_raise_interrupts_a_run_in_another_thread) do
    loop = new_loop
    Evix::Timer.new(loop, 10) {}.start
    wait_entered = entered_flag(loop)
    t0 = now
    runner = Thread.new do
      Thread.current.report_on_exception = false
      loop.run
    end
    wait_entered.call
    runner.raise(Poke, "wake up")
    e = assert_raises(Poke) { runner.join }
    assert_equal "wake up", e.message
    assert_operator now - t0, :<, 5
    refute loop.run(:nowait).nil?, "usable from another thread afterwards"

    # An exception from a callback stays in the thread that ran the loop.
    Evix::Timer.new(loop, 0.01) { raise Poke, "in the loop's thread" }.start
    runner = Thread.new do
      Thread.current.report_on_exception = false
      loop.run(:once) while loop.active_watchers > 1
    end
    e = assert_raises(Poke) { runner.join }
    assert_equal "in the loop's thread", e.message
  end

  each_backend_test(:trap_handler_runs_while_the_loop_waits) do
    loop = new_loop
    trapped_at = nil
    fired_at = nil
    old = trap(:USR1) { trapped_at = now }
    Evix::Timer.new(loop, 0.6) { fired_at = now }.start
    wait_entered = entered_flag(loop)
    t0 = now
    killer = Thread.new { wait_entered.call; Process.kill(:USR1, Process.pid) }
    loop.run # until the timer: the trap does not end the run
    killer.join
    assert trapped_at, "the trap handler ran"
    assert fired_at, "the loop went on to the timer"
    assert_operator trapped_at, :<, fired_at
    assert_operator trapped_at - t0, :<, 0.55, "the handler did not wait for the timer"
  ensure
    trap(:USR1, old) if old
  end

  each_backend_test(:interrupts_reach_a_loop_that_never_waits) do
    loop = new_loop
    spins = 0
    Evix::Idle.new(loop) { spins += 1 }.start
    runner = Thread.new do
      Thread.current.report_on_exception = false
      loop.run
    end
    deadline = now + 5
    Thread.pass until spins > 5 || now > deadline
    runner.raise(Poke)
    assert_raises(Poke) { runner.join }
    assert_operator spins, :>, 5

    with_default_int_handler do
      killer = Thread.new { sleep 0.05; Process.kill(:INT, Process.pid) }
      assert_raises(Interrupt) { loop.run }
      killer.join
    end
    before = spins
    loop.run(:nowait)
    assert_operator spins, :>, before, "usable afterwards"
  end
end
