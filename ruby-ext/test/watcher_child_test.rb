# frozen_string_literal: true

require "test_helper"

# Evix::Child beyond what every watcher does (watcher_common_test.rb).
# The per-pid tests run twice per backend: through a pidfd and through
# the helper thread (Evix::Child.pidfd = false).
class WatcherChildTest < Minitest::Test
  include EvixTest::PerBackend

  def self.each_mode_test(name, &body)
    each_backend_test(:"#{name}_pidfd") { with_pidfd(true, &body) }
    each_backend_test(:"#{name}_thread") { with_pidfd(false, &body) }
  end

  def with_pidfd(on, &body)
    skip "pidfd_open is not available here" if on && !Evix::Child.pidfd?
    before = Evix::Child.pidfd?
    Evix::Child.pidfd = on
    instance_exec(&body)
  ensure
    Evix::Child.pidfd = true if before
  end

  def teardown
    super
    (@pids || []).each do |pid|
      Process.wait(pid)
    rescue Errno::ECHILD
      nil # reaped by the test
    end
  end

  def spawn(*cmd)
    pid = Process.spawn(*cmd)
    (@pids ||= []) << pid
    pid
  end

  def waiter_threads
    Thread.list.count { |t| t.name == "evix child waiter" && t.alive? }
  end

  def zombie?(pid)
    File.read("/proc/#{pid}/stat")[/\) (\w)/, 1] == "Z"
  rescue SystemCallError
    true # no /proc: assume the sleep below was long enough
  end

  each_mode_test(:exits_and_signals_are_reported_for_its_pid_only) do
    loop = new_loop
    # An exit status, with another child exiting first that is not ours.
    pid = spawn("sh", "-c", "sleep 0.05; exit 3")
    other = spawn("true")
    got = nil
    c = Evix::Child.new(loop, pid) { |w, status| got = [w, status] }
    c.start
    run_until(loop) { got }
    w, status = got
    assert_same c, w
    assert_kind_of Process::Status, status
    assert_equal [pid, 3, pid, status, status.to_i], [status.pid, status.exitstatus, c.rpid, c.status, c.rstatus]
    refute c.active?, "it reports one exit per start"
    assert_raises(Errno::ECHILD) { c.start }
    refute c.active?
    assert Process.wait2(other)[1].success?, "the other child was left for Process.wait"

    # A child killed by a signal.
    pid = spawn("sleep", "5")
    c = Evix::Child.new(loop, pid) { |_w, st| got = st }
    c.start
    Process.kill(:TERM, pid)
    run_until(loop) { got.is_a?(Process::Status) && got.pid == pid }
    assert got.signaled?
    assert_equal Signal.list["TERM"], got.termsig

    # A child that had already exited (a zombie) before #start.
    pid = spawn("true")
    sleep 0.005 until zombie?(pid)
    got = nil
    Evix::Child.new(loop, pid) { |_w, st| got = st }.start
    run_until(loop) { got }
    assert_equal [pid, 0], [got.pid, got.exitstatus]
  end

  each_mode_test(:stop_leaves_the_child_to_others) do
    loop = new_loop
    pid = spawn("sh", "-c", "sleep 0.05; exit 5")
    fired = false
    c = Evix::Child.new(loop, pid) { fired = true }
    c.start
    c.stop
    assert_equal 0, waiter_threads, "no helper thread is left behind"
    assert_equal 5, Process.wait2(pid)[1].exitstatus
    3.times { loop.run(:nowait) }
    refute fired

    # Even when it had exited before #start: nothing is reaped before the
    # block runs.
    pid = spawn("sh", "-c", "exit 6")
    sleep 0.005 until zombie?(pid)
    c = Evix::Child.new(loop, pid) { fired = true }
    c.start
    c.stop
    assert_equal 6, Process.wait2(pid)[1].exitstatus
    3.times { loop.run(:nowait) }
    refute fired
  end

  each_backend_test(:any_child_with_minus_one_and_zero_then_echild) do
    loop = new_loop
    [-1, 0].each do |which|
      pid = spawn("sh", "-c", "exit 7")
      got = nil
      c = Evix::Child.new(loop, which) { |w, st| got = [w.rpid, st.exitstatus] }
      c.start
      run_until(loop) { got }
      assert_equal [pid, 7, which], [*got, c.pid], "pid #{which}"
    end
    # No children left at all, and pid 1 is never ours.
    c = Evix::Child.new(loop, -1) {}
    assert_raises(Errno::ECHILD) { c.start }
    refute c.active?
    assert_raises(Errno::ECHILD) { Evix::Child.new(loop, 1).start }
    refute loop.run(:nowait), "the loop stays usable"
  end

  def test_argument_checks
    loop = Evix::Loop.new
    assert_raises(TypeError) { Evix::Child.new(loop, "123") {} }
    assert_raises(TypeError) { Evix::Child.new(loop, 1.5) {} }
    assert_raises(ArgumentError) { Evix::Child.new(loop) {} }
  ensure
    loop&.close
  end
end
