# frozen_string_literal: true

require "test_helper"
require "tmpdir"
require "fileutils"

# What every watcher class shares (Evix::Watcher): start/stop/active?,
# pending?, priority=, the block and its first argument, argument checks,
# closed loops and exceptions.  Each class is made by a "kind" below that
# also knows how to make its event happen.
class WatcherCommonTest < Minitest::Test
  include EvixTest::PerBackend

  # name => lambda(test, loop, &block) returning [watcher, trigger]
  KINDS = {
    timer: ->(_t, loop, &b) { [Evix::Timer.new(loop, 0, &b), -> {}] },
    io: lambda do |t, loop, &b|
      r, w = IO.pipe
      t.cleanup { r.close; w.close }
      [Evix::IO.new(loop, r, :r, &b), -> { w.write("x") }]
    end,
    periodic: ->(_t, loop, &b) { [Evix::Periodic.new(loop, offset: 0, &b), -> {}] },
    signal: lambda do |_t, loop, &b|
      [Evix::Signal.new(loop, :USR2, &b), -> { Process.kill(:USR2, Process.pid) }]
    end,
    child: lambda do |t, loop, &b|
      pid = Process.spawn("true")
      t.cleanup { Process.wait(pid) rescue nil } # unless a watcher reaped it
      [Evix::Child.new(loop, pid, &b), -> {}]
    end,
    idle: ->(_t, loop, &b) { [Evix::Idle.new(loop, &b), -> {}] },
    # A due timer keeps the loop from blocking after prepare / before check.
    prepare: ->(_t, loop, &b) { [Evix::Prepare.new(loop, &b), -> { Evix::Timer.new(loop, 0) {}.start }] },
    check: ->(_t, loop, &b) { [Evix::Check.new(loop, &b), -> { Evix::Timer.new(loop, 0) {}.start }] },
    async: lambda do |_t, loop, &b|
      a = Evix::Async.new(loop, &b)
      [a, -> { a.send }]
    end,
    stat: lambda do |t, loop, &b|
      path = File.join(t.tmpdir, "watched")
      File.write(path, "a")
      t.cleanup { File.unlink(path) if File.exist?(path) }
      # Growing: libev compares times in whole seconds, sizes always.
      [Evix::Stat.new(loop, path, &b), -> { File.write(path, "more", mode: "a") }]
    end
  }.freeze

  def setup
    super
    @cleanups = []
    # Evix::Signal restores the handler it replaced; a harmless one here
    # means a stray USR2 cannot end the test run.
    @old_usr2 = trap(:USR2) {}
  end

  def teardown
    super # closes the loops first
    @cleanups.reverse_each(&:call)
    trap(:USR2, @old_usr2)
  end

  def cleanup(&block)
    @cleanups << block
  end

  # One directory for the whole run, made once (cheap under GC_STRESS);
  # each test's files are removed by its cleanups.
  def self.tmpdir
    @tmpdir ||= Dir.mktmpdir("evix-test").tap { |d| Minitest.after_run { FileUtils.rm_rf(d) } }
  end

  def tmpdir
    self.class.tmpdir
  end

  def make(kind, loop, &block)
    KINDS.fetch(kind).call(self, loop, &block)
  end

  # (Under GC_STRESS every allocation costs a full GC, so this checks
  # several facts per assertion, and everything in one test per kind.)
  KINDS.each_key do |kind|
    each_backend_test(:"#{kind}_start_fire_stop_raise") do
      loop = new_loop
      got = nil
      w, trigger = make(kind, loop) { |*args| got ||= args; args[0].stop }
      refute w.active?
      assert_same w, w.start
      assert w.active? && loop.active_watchers == 1, "active once started"
      trigger.call
      run_until(loop) { got }
      assert got[0].equal?(w) && got.size == 2, "the block gets the watcher and one more argument"
      refute w.active?, "stopped in its block"

      # Stopped (twice is fine), it does not fire; a fed event makes it
      # pending until the loop runs it.
      got = nil
      w, trigger = make(kind, loop) { got = true }
      w.start
      w.stop.stop
      refute w.active?
      trigger.call
      3.times { loop.run(:nowait) }
      assert got.nil? && loop.active_watchers.zero?, "a stopped watcher does not fire"
      w.feed(Evix::CUSTOM)
      assert w.pending?
      loop.run(:nowait)
      refute w.pending?
      w.feed(Evix::CUSTOM)
      assert w.clear_pending == Evix::CUSTOM && !w.pending?, "clear_pending"

      # An exception in the block comes out of Loop#run; the loop goes on.
      w, trigger = make(kind, loop) { |me| me.stop; raise IndexError, "from #{kind}" }
      w.start
      trigger.call
      guard = Evix::Timer.new(loop, 5) {}
      guard.start
      e = assert_raises(IndexError) { loop.run }
      assert_equal "from #{kind}", e.message
      guard.stop
      refute loop.run, "the loop stays usable"
      w, trigger = make(kind, loop) { |me| got = :again; me.stop }
      w.start
      trigger.call
      run_until(loop) { got == :again }

      # Closing the loop stops its watchers.
      w, = make(kind, loop) {}
      w.start
      loop.close
      assert !w.active? && loop.active_watchers.zero?, "closing the loop stops its watchers"
      assert_raises(IOError) { w.start }
      w.stop # harmless
    end
  end

  # Checks made before any backend is involved: once, not per backend.
  # Every class with valid arguments after the loop:
  ARGS = {
    Evix::IO => [0], Evix::Timer => [1], Evix::Periodic => [], Evix::Signal => [:USR2],
    Evix::Child => [1], Evix::Idle => [], Evix::Prepare => [], Evix::Check => [],
    Evix::Async => [], Evix::Stat => ["/"]
  }.freeze

  def test_priority_and_loop_checks_of_every_class
    loop = Evix::Loop.new
    (@loops ||= []) << loop
    # Priorities are Evix::Watcher's: checked in full on one class.
    t = Evix::Timer.new(loop, 1) {}
    assert_equal 0, t.priority
    t.priority = Evix::MAXPRI
    assert_raises(ArgumentError) { t.priority = Evix::MAXPRI + 1 }
    assert_raises(ArgumentError) { t.priority = Evix::MINPRI - 1 }
    assert_raises(TypeError) { t.priority = "high" }
    t.start
    assert_raises(RuntimeError) { t.priority = 0 }
    assert_equal Evix::MAXPRI, t.priority
    assert_raises(TypeError) { t.callback = "not a proc" }
    t.stop
    ARGS.each do |klass, args|
      assert_operator klass, :<, Evix::Watcher
      assert_raises(TypeError) { klass.new("not a loop", *args) {} }
    end
    loop.close
    ARGS.each do |klass, args|
      assert_raises(IOError) { klass.new(loop, *args) {} }
    end
  end
end
