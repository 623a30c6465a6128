# frozen_string_literal: true

require "test_helper"
require_relative "support/scheduler_helper"

# Evix::Scheduler: sleeping, blocking and waking, the thread-sync classes,
# Timeout, closing, exceptions, interrupts and fork.
class SchedulerCoreTest < Minitest::Test
  include EvixTest::PerBackend
  include SchedulerHelper

  each_backend_test(:many_sleepers_wake_in_order_and_never_early) do
    n = scale(200, 6)
    step = scale(0.002, 0.06)
    slack = scale(0.001, 0.03) # starting each fiber takes time too
    durations = (0...n).map { |i| step * ((i * 37) % n) } # a permutation
    deadline = {}
    woke = []
    in_scheduler do
      durations.each_with_index do |d, i|
        Fiber.schedule do
          t0 = now
          deadline[i] = t0 + d
          sleep d
          woke << [i, now - t0]
        end
      end
    end
    assert_equal n, woke.size
    out_of_order = woke.each_cons(2).reject { |(a, _), (b, _)| deadline[a] <= deadline[b] + slack }
    assert_empty out_of_order, "sleepers woke in the order they were due"
    early = woke.reject { |i, slept| slept >= durations[i] - 1e-6 }
    assert_empty early, "no sleeper woke early"
  end

  each_backend_test(:sleepers_run_concurrently) do
    n = scale(10, 4)
    d = scale(0.2, 0.5)
    t0 = now
    in_scheduler { n.times { Fiber.schedule { sleep d } } }
    assert_operator now - t0, :<, d * (n - 1), "#{n} sleeps of #{d} s run side by side"
  end

  each_backend_test(:sleep_zero_and_yield_let_the_others_run) do
    log = []
    in_scheduler do |s|
      Fiber.schedule { 3.times { |i| log << "a#{i}"; sleep 0 } }
      Fiber.schedule { 3.times { |i| log << "b#{i}"; s.yield } }
    end
    assert_equal %w[a0 b0 a1 b1 a2 b2], log
  end

  each_backend_test(:fiber_starts_at_once_and_gets_its_arguments) do
    in_scheduler do
      got = nil
      f = Fiber.schedule(1, 2) { |a, b| got = [a, b, Fiber.current.blocking?] }
      assert_equal [1, 2, false], got, "the block ran before Fiber.schedule returned"
      refute f.alive?
      started = false
      g = Fiber.schedule { started = true; sleep 0.01 }
      assert started
      assert g.alive?, "suspended in sleep"
    end
  end

  each_backend_test(:queue_and_sized_queue_across_fibers) do
    n = scale(100, 10)
    got = []
    in_scheduler do
      q = Queue.new
      sq = SizedQueue.new(2)
      Fiber.schedule { n.times { |i| q << i; sleep 0 if i % 7 == 0 }; q.close }
      Fiber.schedule { while (v = q.pop); sq << v; end; sq.close }
      Fiber.schedule do
        while (v = sq.pop)
          assert_operator sq.size, :<=, 2
          got << v
        end
      end
    end
    assert_equal (0...n).to_a, got
  end

  each_backend_test(:mutex_across_fibers) do
    n = scale(20, 5)
    inside = 0
    max_inside = 0
    count = 0
    in_scheduler do
      m = Mutex.new
      n.times do
        Fiber.schedule do
          m.synchronize do
            inside += 1
            max_inside = [max_inside, inside].max
            sleep 0.001 # another fiber tries the lock meanwhile
            count += 1
            inside -= 1
          end
        end
      end
    end
    assert_equal n, count
    assert_equal 1, max_inside, "one fiber at a time in the mutex"
  end

  each_backend_test(:condition_variable_signal_broadcast_and_timeout) do
    woken = []
    in_scheduler do
      m = Mutex.new
      cv = ConditionVariable.new
      ready = false
      3.times do |i|
        Fiber.schedule do
          m.synchronize do
            cv.wait(m) until ready
            woken << i
          end
        end
      end
      Fiber.schedule do
        m.synchronize do
          ready = true
          cv.signal
        end
        sleep 0.01
        m.synchronize { cv.broadcast }
      end
      lonely = ConditionVariable.new
      t0 = now
      m.synchronize { lonely.wait(m, 0.05) }
      assert_operator now - t0, :>=, 0.05, "CV#wait with a timeout ends at the timeout"
    end
    assert_equal [0, 1, 2], woken.sort
  end

  each_backend_test(:unblock_from_another_thread_wakes_a_blocked_loop) do
    s = new_scheduler
    waited = nil
    iterations = nil
    in_scheduler(s) do
      q = Queue.new
      before = s.loop.iteration
      t0 = now
      pusher = Thread.new { sleep 0.2; q << :hello }
      assert_equal :hello, q.pop
      waited = now - t0
      iterations = s.loop.iteration - before
      pusher.join
    end
    assert_operator waited, :>=, 0.15
    assert_operator waited, :<, 5
    assert_operator iterations, :<, 20, "the loop slept in the kernel instead of spinning"
  end

  each_backend_test(:thread_join_and_value_from_a_fiber) do
    in_scheduler do
      handoff = Thread::Queue.new
      t = Thread.new { handoff.pop; 42 }
      ticks = 0
      # The thread ends only after this fiber ran: a join that blocked the
      # loop would never return.
      Fiber.schedule { 3.times { sleep 0.002; ticks += 1 }; handoff << :go }
      assert_equal 42, t.value
      assert_equal 3, ticks, "other fibers ran while joining"
      # (Ruby 3.1's Thread#join(limit) under a scheduler calls block with
      # the limit again and again until the thread ends: it never times
      # out.  That is Ruby's loop, not the scheduler's.)
    end
  end

  each_backend_test(:timeout_raises_in_the_fiber_and_is_cancelled_when_done) do
    in_scheduler do
      t0 = now
      assert_raises(Timeout::Error) { Timeout.timeout(0.05) { sleep 5 } }
      elapsed = now - t0
      assert_operator elapsed, :>=, 0.05
      assert_operator elapsed, :<, 2

      custom = Class.new(StandardError)
      e = assert_raises(custom) { Timeout.timeout(0.02, custom, "too slow") { sleep 5 } }
      assert_equal "too slow", e.message

      # Generous: under load the block's timer and the timeout's can come
      # due in the same iteration, and then either may win.
      assert_equal :done, Timeout.timeout(0.4) { sleep 0.001; :done }
      sleep 0.5 # a cancelled timeout must not fire later
      r, w = IO.pipe
      assert_raises(Timeout::Error) { Timeout.timeout(0.02) { r.read(1) } }
      w.write("x")
      assert_equal "x", r.read(1), "the pipe is usable after the interrupted read"
    end
  end

  each_backend_test(:nested_timeouts_and_timeout_of_a_busy_fiber) do
    in_scheduler do
      outer = Class.new(StandardError)
      inner = Class.new(StandardError)
      assert_raises(inner) do
        Timeout.timeout(1, outer) { Timeout.timeout(0.02, inner) { sleep 5 } }
      end
      assert_raises(outer) do
        Timeout.timeout(0.05, outer) do
          begin
            Timeout.timeout(0.01, inner) { sleep 5 }
          rescue inner
            sleep 5 # the outer one still fires
          end
        end
      end
      # A fiber that computes without waiting gets the exception at its
      # next wait.
      t0 = now
      assert_raises(Timeout::Error) do
        Timeout.timeout(0.02) do
          Fiber.schedule { sleep 0.05 } # keeps the loop busy meanwhile
          nil while now - t0 < 0.05
          sleep 0.001 # the first wait: raises here
          flunk "not interrupted"
        end
      end
    end
  end

  each_backend_test(:stale_unblock_is_harmless) do
    in_scheduler do |s|
      m = Mutex.new
      cv = ConditionVariable.new
      f = Fiber.current
      m.synchronize { cv.wait(m, 0.01) } # times out: nobody signals
      # Stale wake-ups for this fiber, which waits for io now: ignored.
      r, w = IO.pipe
      t0 = now
      Fiber.schedule do
        sleep 0.01 # f is in r.read now
        s.unblock(cv, f)
        s.unblock(nil, f)
        sleep 0.03
        w.write("z")
      end
      assert_equal "z", r.read(1)
      assert_operator now - t0, :>=, 0.02, "the io wait was not ended by unblock"
      dead = Fiber.schedule {}
      s.unblock(nil, dead) # a finished fiber
      s.unblock(nil, Fiber.new {}) # one that never ran
      s.unblock(nil, Thread.current) # not even a fiber
    end
  end

  each_backend_test(:kernel_sleep_without_duration_ends_with_unblock) do
    in_scheduler do |s|
      f = Fiber.current
      t0 = now
      Fiber.schedule { sleep 0.02; s.unblock(nil, f) }
      s.kernel_sleep
      assert_operator now - t0, :>=, 0.015
      Fiber.schedule { sleep 0.02; s.unblock(:something, f) }
      assert s.block(:something, nil)
      refute s.block(:something, 0.02), "block returns false at its timeout"
    end
  end

  each_backend_test(:exceptions_from_fibers_propagate_and_the_scheduler_goes_on) do
    s = new_scheduler
    result = in_thread do
      Fiber.set_scheduler(s)
      e = assert_raises(ArgumentError) { Fiber.schedule { raise ArgumentError, "at once" } }
      assert_equal "at once", e.message
      done = false
      Fiber.schedule { sleep 0.01; raise IndexError, "later" }
      Fiber.schedule { sleep 0.05; done = true }
      assert_raises(IndexError) { s.run }
      refute done
      s.run
      assert done, "the other fiber still ran to its end"
      :ok
    end
    assert_equal :ok, result
    assert s.closed?, "closed when the thread ended"
  end

  each_backend_test(:close_runs_the_fibers_is_idempotent_and_uninstalls) do
    loop = new_loop
    s = Evix::Scheduler.new(loop)
    ran = false
    result = in_thread do
      Fiber.set_scheduler(s)
      Fiber.schedule { sleep 0.01; ran = true }
      s.close
      [Fiber.scheduler, ran]
    end
    assert_equal [nil, true], result
    assert s.closed?
    s.close
    s.scheduler_close
    refute loop.closed?, "a loop given to the scheduler stays open"
    owned = Evix::Scheduler.new(backend: backend)
    owned.close
    assert owned.loop.closed?, "a loop the scheduler made is closed with it"
    assert_raises(Evix::Error) { owned.fiber {} }
  end

  each_backend_test(:built_on_one_thread_used_on_another) do
    s = new_scheduler
    results = Array.new(2) do |i|
      in_thread do
        if i.zero?
          Fiber.set_scheduler(s)
          Fiber.schedule { sleep 0.01 }
          :installed
        else
          :other
        end
      end
    end
    assert_equal %i[installed other], results
    assert s.closed?
  end

  each_backend_test(:fiber_interrupt_raises_in_a_waiting_fiber) do
    in_scheduler do |s|
      r, _w = IO.pipe
      reader = Fiber.schedule do
        r.read(1)
        :not_interrupted
      rescue IOError => e
        e.message
      end
      assert reader.alive?
      assert s.fiber_interrupt(reader, IOError.new("stream closed in another fiber"))
      sleep 0.01
      refute reader.alive?
      # A fiber that is not waiting in the scheduler gets it at its next
      # wait.
      log = []
      aside = Fiber.schedule do
        Fiber.yield
        log << :resumed
        sleep 1
        log << :slept
      rescue RuntimeError => e
        log << e.message
      end
      assert s.fiber_interrupt(aside, RuntimeError.new("later"))
      aside.resume
      assert_equal [:resumed, "later"], log
      dead = Fiber.new {}
      dead.resume
      refute s.fiber_interrupt(dead, RuntimeError), "not for a finished fiber"
    end
  end

  each_backend_test(:blocking_operation_wait_and_offload_use_a_helper_thread) do
    in_scheduler do |s|
      handoff = Thread::Queue.new
      ticks = 0
      # The work can only finish after the ticker fiber has run: it would
      # never end if it blocked the loop's thread.
      Fiber.schedule { 3.times { sleep 0.002; ticks += 1 }; handoff << :go }
      ran_on = nil
      work = -> { ran_on = Thread.current; handoff.pop; :done }
      assert_equal :done, s.blocking_operation_wait(work)
      assert_equal 3, ticks
      refute_equal Thread.current, ran_on
      assert_raises(KeyError) { s.offload { raise KeyError, "in the helper" } }
      assert_raises(ArgumentError) { s.offload }
    end
  end

  each_backend_test(:heap_compaction_while_fibers_wait) do
    in_scheduler do |s|
      r, w = IO.pipe
      q = Queue.new
      log = []
      Fiber.schedule { log << [:io, r.read(3)] }
      Fiber.schedule { sleep 0.02; log << [:timer] }
      Fiber.schedule { log << [:queue, q.pop] }
      Fiber.schedule do
        Timeout.timeout(0.05) { sleep 5 }
      rescue Timeout::Error
        log << [:timeout]
      end
      aside = Fiber.schedule do
        Fiber.yield
        sleep 1
      rescue IOError => e
        log << [:interrupt, e.message]
      end
      s.fiber_interrupt(aside, IOError.new("aimed"))
      w.write("a") # leaves a "last write" behind
      begin
        GC.verify_compaction_references(double_heap: true, toward: :empty)
      rescue NotImplementedError, ArgumentError
        GC.compact
      end
      w.write("bc")
      q << :item
      aside.resume
      sleep 0.1
      assert_equal [[:interrupt, "aimed"], [:io, "abc"], [:queue, :item], [:timeout], [:timer]], log.sort
    end
  end

  each_backend_test(:bare_fiber_yield_suspends_the_fiber) do
    in_scheduler do
      steps = []
      f = Fiber.schedule { steps << 1; Fiber.yield; steps << 2 }
      assert_equal [1], steps
      sleep 0.01
      assert_equal [1], steps, "the scheduler does not resume it"
      f.resume
      assert_equal [1, 2], steps
    end
  end

  each_backend_test(:run_from_a_scheduled_fiber_is_refused) do
    in_scheduler do |s|
      assert_raises(RuntimeError) { s.run }
    end
  end

  each_backend_test(:evix_run_returns_the_value_and_raises_the_error) do
    result = in_thread do
      order = []
      v = Evix.run(backend: backend) do |s|
        assert_instance_of Evix::Scheduler, s
        assert_same s, Fiber.scheduler
        3.times { |i| s.spawn { sleep 0.001 * i; order << i } }
        :value
      end
      [v, order.sort, Fiber.scheduler]
    end
    assert_equal [:value, [0, 1, 2], nil], result, "every spawned fiber ran before Evix.run returned"
    assert_raises(KeyError) do
      in_thread { Evix.run(backend: backend) { sleep 0.001; raise KeyError, "inside" } }
    end
    s = new_scheduler
    assert_raises(Evix::Error) { s.spawn {} }
  end

  each_backend_test(:a_plain_thread_can_drive_the_loop) do
    # Methods called outside a scheduled fiber run the loop themselves
    # until their wait is over, so the scheduled fibers go on meanwhile.
    s = new_scheduler
    log, slept = in_thread do
      Fiber.set_scheduler(s)
      log = []
      Fiber.schedule { 3.times { |i| sleep 0.01; log << i } }
      t0 = now
      s.kernel_sleep(0.1)
      [log, now - t0]
    end
    assert_equal [0, 1, 2], log
    assert_operator slept, :>=, 0.1
  end

  each_backend_test(:fork_inside_a_fiber) do
    skip "fork is not available" unless Process.respond_to?(:fork)

    status = in_scheduler do
      parent_ticks = 0
      Fiber.schedule { 5.times { sleep 0.01; parent_ticks += 1 } }
      pid = fork do
        # The child's fiber is its root now: waits run the loop inline,
        # and the parent's fibers never run here.
        before = parent_ticks
        child_ticks = 0
        Fiber.schedule { 2.times { sleep 0.01; child_ticks += 1 } }
        sleep 0.05
        ok = parent_ticks == before
        r, w = IO.pipe
        Fiber.schedule { sleep 0.01; w.write("c") }
        ok &&= r.read(1) == "c"
        exit!(ok && child_ticks == 2 ? 0 : 1)
      end
      st = Process.wait2(pid)[1]
      assert_equal 5, parent_ticks
      st
    end
    assert status.success?, "child: #{status.inspect}"
  end
end
