# frozen_string_literal: true

require "test_helper"
require "tmpdir"
require "fileutils"
require "rbconfig"

# GC safety: an active watcher keeps firing when the program drops every
# reference to it; loops and watchers are collected in any order;
# compaction while watchers are active leaves them working.
class GCTest < Minitest::Test
  include EvixTest::PerBackend

  STRESS = ENV["GC_STRESS"]

  # One directory for the whole run, made once: Dir.mktmpdir and
  # FileUtils.rm_rf allocate a lot, which GC_STRESS makes slow.
  def self.dir
    @dir ||= Dir.mktmpdir("evix-gc").tap { |d| Minitest.after_run { FileUtils.rm_rf(d) } }
  end

  def setup
    super
    @dir = self.class.dir
    @pids = []
  end

  def teardown
    super
    @pids.each do |pid|
      Process.wait(pid)
    rescue Errno::ECHILD
      nil
    end
  end

  # Starts one watcher of (nearly) every kind on loop; each counts its
  # events in counts[kind] and stops after `times`.  Nothing is returned:
  # the loop alone references them.
  def start_dropped_watchers(loop, counts, times)
    tick = lambda do |kind|
      lambda do |w, *|
        counts[kind] += 1
        w.stop if counts[kind] >= times
      end
    end
    Evix::Timer.new(loop, 0.001, 0.001, &tick[:timer]).start
    Evix::Periodic.new(loop, offset: 0, interval: 0.002, &tick[:periodic]).start
    Evix::Periodic.new(loop, reschedule: ->(_w, now) { now + 0.002 }, &tick[:reschedule]).start
    Evix::Idle.new(loop, &tick[:idle]).start
    Evix::Check.new(loop, &tick[:check]).start
    r, w = IO.pipe
    w.write("x" * times)
    Evix::IO.new(loop, r, :r) do |me|
      r.read_nonblock(1)
      counts[:io] += 1
      if counts[:io] >= times
        me.stop
        r.close
        w.close
      end
    end.start
    path = File.join(@dir, "stat-#{loop.object_id}")
    Evix::Stat.new(loop, path) { |me| counts[:stat] += 1; me.stop }.start
    File.write(path, "x")
    pid = Process.spawn("true")
    @pids << pid
    Evix::Child.new(loop, pid) { |me| counts[:child] += 1; me.stop }.start
    nil
  end

  EXPECTED_KINDS = %i[timer periodic reschedule idle check io stat child].freeze

  each_backend_test(:dropped_active_watchers_keep_firing) do
    loop = new_loop
    counts = Hash.new(0)
    times = 3
    start_dropped_watchers(loop, counts, times)
    GC.start
    GC.start(full_mark: true, immediate_sweep: true)
    run_until(loop) { EXPECTED_KINDS.all? { |k| counts[k] >= (%i[stat child].include?(k) ? 1 : times) } }
    assert_equal EXPECTED_KINDS.to_h { |k| [k, %i[stat child].include?(k) ? 1 : times] },
                 counts.slice(*EXPECTED_KINDS)
    assert_equal 0, loop.active_watchers
  end

  # Loops and their active watchers, all dropped at once: the free
  # functions run in whatever order the GC picks.
  def make_and_drop(backend, nloops, refs)
    nloops.times do
      loop = Evix::Loop.new(backend: backend)
      refs[loop] = true
      start_dropped_watchers(loop, Hash.new(0), 3) # still active after one :nowait
      Evix::Async.new(loop) {}.start
      Evix::Prepare.new(loop) {}.start
      loop.run(:nowait)
    end
    nil
  end

  def fd_count
    Dir.children("/proc/self/fd").size
  rescue SystemCallError
    nil
  end

  each_backend_test(:loops_and_watchers_are_collected_in_any_order) do
    skip "ObjectSpace::WeakMap is needed" unless defined?(ObjectSpace::WeakMap)
    refs = ObjectSpace::WeakMap.new
    fds_before = fd_count
    n = STRESS ? 2 : 6
    make_and_drop(backend, n, refs)
    old_stress = GC.stress
    GC.stress = true # also in plain mode: every allocation collects
    begin
      Evix::Loop.new(backend: backend).close
      GC.start
    ensure
      GC.stress = old_stress
    end
    3.times { GC.start(full_mark: true, immediate_sweep: true) }
    alive = refs.keys.size
    # (One may survive in a stale stack slot: Ruby's stack scan is conservative.)
    assert_operator alive, :<=, 1, "loops with active watchers were collected (#{alive} of #{n} left)"
    # Their descriptors (backend, wake-up, inotify, pidfds, pipes) were closed.
    assert_operator fd_count, :<=, fds_before + 8 * alive if fds_before
  end

  each_backend_test(:compaction_while_watchers_are_active) do
    loop = new_loop
    counts = Hash.new(0)
    times = 2
    start_dropped_watchers(loop, counts, times)
    sig_hits = 0
    mine = proc {}
    old_usr2 = trap(:USR2, mine)
    sig = Evix::Signal.new(loop, :USR2) { sig_hits += 1 }
    sig.start
    async_hits = 0
    async = Evix::Async.new(loop) { async_hits += 1 }
    async.start
    begin
      GC.verify_compaction_references(double_heap: true, toward: :empty)
    rescue NotImplementedError, ArgumentError
      begin
        GC.compact
      rescue NotImplementedError
        skip "this Ruby cannot compact"
      end
    end
    Process.kill(:USR2, Process.pid)
    async.send
    run_until(loop) do
      sig_hits.positive? && async_hits.positive? &&
        EXPECTED_KINDS.all? { |k| counts[k] >= (%i[stat child].include?(k) ? 1 : times) }
    end
    sig.stop
    assert_same mine, trap(:USR2, old_usr2), "the trap was restored after compaction"
    loop.verify
  end

  # Write barriers: every VALUE the extension stores into an object that
  # the GC has made old goes through RB_OBJ_WRITE.  Ruby's own consistency
  # check reports an old object pointing at a young one it was not told
  # about ("WB miss"), and aborts; hence a separate process.  (GC.stress
  # alone, which marks everything at every collection, cannot see these.)
  def test_write_barriers_are_complete
    program = <<~'RUBY'
      require "evix"
      Thread.new { sleep 30; warn "timed out"; exit!(2) }
      def age = 4.times { GC.start }
      def check(what)
        GC.verify_internal_consistency
      rescue StandardError => e
        abort "#{what}: #{e.message}"
      end
      r, w = IO.pipe
      loop = Evix::Loop.new
      io = Evix::IO.new(loop, r, :r) {}
      timer = Evix::Timer.new(loop, 0) {}
      periodic = Evix::Periodic.new(loop, offset: 0) {}
      stat = Evix::Stat.new(loop, "/") {}
      child = Evix::Child.new(loop, Process.spawn("true")) {}
      Evix::Child.pidfd = false
      any = Evix::Child.new(loop, -1) {}
      Evix::Child.pidfd = true
      signal = Evix::Signal.new(loop, :USR2) {}
      trap(:USR2) {}
      age
      # Young objects stored into old ones.
      timer.callback = proc { :young }
      io.set(w, :w)
      periodic.reschedule = ->(_w, now) { now + 0.001 }
      stat.set("/".dup << "tmp")
      [io, timer, periodic, stat, signal].each(&:start)
      child.start
      Evix::Timer.new(loop, 10) {}.start # a young watcher on the old loop's list
      check "setters and starts"
      # A young watcher linked into an old loop; the loop records its
      # thread; the child's status and the helper thread are stored.
      Evix::Idle.new(loop) { |me| me.stop }.start
      loop.run(:once) until child.status
      Process.kill(:USR2, Process.pid)
      pid = Process.spawn("true")
      any.start
      loop.run(:once) until any.status
      check "events"
      age
      pid = Process.spawn("true")
      any.start
      loop.run(:once) until any.rpid == pid
      check "after aging"
      loop.close
      puts "consistent"
    RUBY
    out = IO.popen([RbConfig.ruby, *$LOAD_PATH.flat_map { |d| ["-I", d] }, "-e", program],
                   err: %i[child out], &:read)
    assert $?.success?, "exit status #{$?.inspect}: #{out}"
    assert_equal "consistent\n", out
  end

  # Free functions at exit: a process that ends with loops and active
  # watchers of every kind (a signal trap and a helper thread included)
  # must not crash.
  def test_exit_with_active_watchers
    program = <<~RUBY
      require "evix"
      loops = Array.new(2) { Evix::Loop.new }
      loops.each do |l|
        Evix::Timer.new(l, 10) {}.start
        Evix::Signal.new(l, :USR2) {}.start
        Evix::Idle.new(l) {}.start
        Evix::Async.new(l) {}.start
        Evix::Stat.new(l, "/") {}.start
        Evix::Child.new(l, Process.spawn("sleep", "5", out: File::NULL, err: File::NULL)) {}.start
        Evix::Child.pidfd = false
        Evix::Child.new(l, -1) {}.start
        l.run(:nowait)
      end
      GC.stress = true if ENV["GC_STRESS"]
      puts "done"
    RUBY
    out = IO.popen([RbConfig.ruby, *$LOAD_PATH.flat_map { |d| ["-I", d] }, "-e", program],
                   err: %i[child out], &:read)
    assert $?.success?, "exit status #{$?.inspect}: #{out}"
    assert_equal "done\n", out
  end
end
