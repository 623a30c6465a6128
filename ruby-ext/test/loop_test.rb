# frozen_string_literal: true

require "test_helper"

class LoopTest < Minitest::Test
  include EvixTest::PerBackend

  each_backend_test(:reports_its_backend) do
    assert_equal backend, new_loop.backend
  end

  def test_supported_backends_are_symbols
    assert_includes Evix::Loop.supported_backends, :poll
    assert(Evix::Loop.supported_backends.all? { |b| b.is_a?(Symbol) })
  end

  def test_bad_backend_arguments
    assert_raises(ArgumentError) { Evix::Loop.new(backend: :nonsense) }
    assert_raises(TypeError) { Evix::Loop.new(backend: "epoll") }
  end

  each_backend_test(:run_without_watchers_returns_false) do
    refute new_loop.run
  end

  each_backend_test(:bad_run_mode) do
    loop = new_loop
    assert_raises(ArgumentError) { loop.run(:sometimes) }
    assert_raises(TypeError) { loop.run("once") }
    refute loop.run(:nowait), "the loop stays usable"
  end

  each_backend_test(:closed_loop_raises_ioerror) do
    loop = new_loop
    loop.close
    assert loop.closed?
    assert_raises(IOError) { loop.run }
    assert_raises(IOError) { Evix::Timer.new(loop, 1) {} }
  end

  each_backend_test(:timer_fires_once) do
    loop = new_loop
    fired = 0
    t = Evix::Timer.new(loop, 0.01) { fired += 1 }
    t.start
    assert t.active?
    loop.run
    assert_equal 1, fired
    refute t.active?
  end

  each_backend_test(:exception_in_callback_propagates_and_loop_stays_usable) do
    loop = new_loop
    t = Evix::Timer.new(loop, 0) { raise ArgumentError, "boom" }
    t.start
    e = assert_raises(ArgumentError) { loop.run }
    assert_equal "boom", e.message
    fired = false
    Evix::Timer.new(loop, 0) { fired = true }.start
    loop.run
    assert fired
  end

  each_backend_test(:events_after_an_exception_are_kept) do
    loop = new_loop
    calls = []
    a = Evix::Timer.new(loop, 0) { calls << :a; raise "first" }
    b = Evix::Timer.new(loop, 0) { calls << :b }
    a.priority = 1 # runs first
    a.start
    b.start
    assert_raises(RuntimeError) { loop.run(:once) }
    assert_equal [:a], calls
    loop.run
    assert_equal [:a, :b], calls, "b's event ran on the next run"
  end

  each_backend_test(:io_readable) do
    loop = new_loop
    r, w = IO.pipe
    got = nil
    watcher = Evix::IO.new(loop, r, :r) { |io_w, events| got = [io_w, events, r.read_nonblock(10)] }
    watcher.start
    w.write("hi")
    run_until(loop) { got }
    assert_same watcher, got[0]
    assert_equal Evix::READ, got[1]
    assert_equal "hi", got[2]
  ensure
    watcher&.stop
    r&.close
    w&.close
  end

  each_backend_test(:io_on_closed_io_raises) do
    loop = new_loop
    r, w = IO.pipe
    r.close
    assert_raises(IOError) { Evix::IO.new(loop, r, :r) {} }
    assert_raises(ArgumentError) { Evix::IO.new(loop, w, :sideways) {} }
    assert_raises(ArgumentError) { Evix::IO.new(loop, -1, :r) {} }
  ensure
    w&.close
  end

  each_backend_test(:active_watcher_survives_dropped_references) do
    loop = new_loop
    fired = 0
    Evix::Timer.new(loop, 0.01, 0.01) { |t| fired += 1; t.stop if fired == 3 }.start
    GC.start
    loop.run
    assert_equal 3, fired
  end

  def test_default_loop_is_one_per_process
    d = Evix::Loop.default
    assert_kind_of Evix::Loop, d
    refute d.closed?
    assert_same d, Evix::Loop.default
    assert_same d, Thread.new { Evix::Loop.default }.value
  end

  each_backend_test(:shortcuts_make_and_start_watchers) do
    loop = new_loop
    seen = []
    made = [
      loop.timer(0) { seen << :timer },
      loop.periodic(offset: 0) { seen << :periodic },
      loop.idle { |w| seen << :idle; w.stop },
      loop.prepare { |w| seen << :prepare; w.stop },
      loop.check { |w| seen << :check; w.stop },
      loop.async { |w| seen << :async; w.stop }
    ]
    assert_equal [Evix::Timer, Evix::Periodic, Evix::Idle, Evix::Prepare, Evix::Check, Evix::Async],
                 made.map(&:class)
    assert made.all?(&:active?), "started"
    made.last.send
    run_until(loop) { seen.size == 6 }
    assert_equal %i[async check idle periodic prepare timer], seen.sort
    r, w = IO.pipe
    io = loop.io(w, :w) { |me| seen << :io; me.stop }
    assert_equal [Evix::IO, true], [io.class, io.active?]
    run_until(loop) { seen.include?(:io) }
  ensure
    r&.close
    w&.close
  end
end
