# frozen_string_literal: true

# Shared by the scheduler_*_test.rb files.
require "evix/scheduler"
require "evix/stream"
require "evix/tcp"
require "timeout"

module SchedulerHelper
  # Smaller counts under GC.stress, where every allocation collects.
  def self.stress?
    !ENV["GC_STRESS"].nil?
  end

  # Under GC_STRESS (test_helper.rb switches GC.stress on around each
  # test), the stress is kept to what the scheduler does: the bodies of
  # in_scheduler and in_thread, and teardown (closing the loops).  The test
  # framework's own bookkeeping around them runs without it.
  #
  # Test classes that drive big library code (Net::HTTP, Resolv, many
  # sockets) call `light_gc_stress` in their body: there GC.stress only
  # makes minor collections (flag 0x01), still one at every allocation but
  # some 50 times cheaper, so that the mode stays within its time budget.
  # The scheduler object is always in the remembered set (it has no write
  # barriers), so its mark function runs at every one of them.
  def self.included(base)
    base.extend(ClassMethods)
  end

  module ClassMethods
    def light_gc_stress
      @light_gc_stress = true
    end

    def light_gc_stress?
      @light_gc_stress || false
    end
  end

  def setup
    @gc_stress = GC.stress
    @gc_stress = 0x01 if @gc_stress && self.class.light_gc_stress?
    GC.stress = false
    super
  end

  def teardown
    GC.stress = @gc_stress if @gc_stress
    super
  end

  # GC.stress as the test framework wanted it, inside the block.
  def stressed
    previous = GC.stress
    GC.stress = @gc_stress || false
    yield
  ensure
    GC.stress = previous
  end

  def scale(normal, stressed)
    SchedulerHelper.stress? ? stressed : normal
  end

  def now
    Process.clock_gettime(Process::CLOCK_MONOTONIC)
  end

  # A scheduler on a new loop of the test's backend.
  def new_scheduler(**opts)
    Evix::Scheduler.new(new_loop, **opts)
  end

  # Runs the block in a fiber of `scheduler` (default: a new one on this
  # test's backend) installed in a new thread, as plain Ruby would: the
  # thread's end closes the scheduler, which runs every fiber to its end.
  # Returns the block's value, re-raises what the block or another fiber
  # raised, and fails if all that takes longer than `limit` seconds.
  #
  # Under GC_STRESS the scaffolding (thread, scheduler) is made without
  # GC.stress, which is switched on again for everything the fibers do.
  def in_scheduler(scheduler = nil, limit: 20)
    stress = @gc_stress || false
    previous = GC.stress
    GC.stress = false
    scheduler ||= new_scheduler
    result = error = nil
    thread = Thread.new do
      Thread.current.report_on_exception = false
      Fiber.set_scheduler(scheduler)
      Fiber.schedule do
        GC.stress = stress
        result = yield(scheduler)
      rescue Exception => e # rubocop:disable Lint/RescueException
        error = e
      end
    end
    unless thread.join(limit)
      thread.kill
      thread.join(2)
      # A failed assertion often leaves other fibers waiting forever: report
      # the failure, not the hang it caused.
      raise error if error

      flunk "the scheduler's fibers did not finish within #{limit}s"
    end
    raise error if error

    result
  ensure
    GC.stress = previous
  end

  # Under GC_STRESS, runs the block without GC.stress: for big library
  # code (Net::HTTP, Resolv) that the test only uses, where every
  # allocation collecting would take minutes.  The scheduler's own hooks
  # are stressed by the other tests.
  # Fibers and threads may overlap in it: the outermost restores.
  UNSTRESSED = { depth: 0, saved: false }
  UNSTRESSED_LOCK = Mutex.new

  def unstressed
    UNSTRESSED_LOCK.synchronize do
      UNSTRESSED[:saved] = GC.stress if UNSTRESSED[:depth].zero?
      UNSTRESSED[:depth] += 1
      GC.stress = false
    end
    begin
      yield
    ensure
      UNSTRESSED_LOCK.synchronize do
        UNSTRESSED[:depth] -= 1
        GC.stress = UNSTRESSED[:saved] if UNSTRESSED[:depth].zero?
      end
    end
  end

  # Runs the block on a new thread and returns its value (re-raising its
  # exception); fails after `limit` seconds.  Not Thread#value: on Ruby
  # 3.1, the value of a thread that had a Fiber scheduler installed can be
  # collected while the scheduler is closed at the thread's end (a crash
  # under GC.stress, reproducible without evix), so the value is kept in a
  # variable of this frame instead.
  def in_thread(limit: 20)
    result = nil
    thread = Thread.new do
      Thread.current.report_on_exception = false
      result = stressed { yield }
    end
    unless thread.join(limit)
      thread.kill
      thread.join(2)
      flunk "the thread did not finish within #{limit}s"
    end
    result
  end

  # Reads exactly n bytes (or up to end of file).
  def read_exactly(io, n)
    data = String.new(encoding: Encoding::BINARY)
    while data.bytesize < n
      chunk = io.readpartial(n - data.bytesize)
      data << chunk
    end
    data
  rescue EOFError
    data
  end

  # Deterministic filler data (one allocation: cheap under GC.stress).
  def payload(size, seed)
    Random.new(seed).bytes(size)
  end
end

module SchedulerHelper
  # IO::Buffer warns that it is experimental (Ruby 3.1 - 3.2).
  def quietly_experimental
    previous = Warning[:experimental]
    Warning[:experimental] = false
    yield
  ensure
    Warning[:experimental] = previous
  end
end
