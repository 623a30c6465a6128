# frozen_string_literal: true

require "test_helper"
require_relative "support/scheduler_helper"

# Evix::Scheduler#process_wait: Process.wait and friends in fibers.
class SchedulerProcessTest < Minitest::Test
  include EvixTest::PerBackend
  include SchedulerHelper

  # A child that lives until the other fibers have run: it exits (with
  # `code`) once a ticker fiber has ticked `ticks` times and closed its
  # stdin.  So the wait cannot end unless the loop kept running meanwhile.
  def spawn_waiting_child(code, ticks: 5)
    r, w = IO.pipe
    pid = spawn("sh", "-c", "read line; exit #{code}", in: r)
    r.close
    Fiber.schedule do
      ticks.times { sleep 0.002 }
      w.close
    end
    pid
  end

  each_backend_test(:wait_for_a_child_returns_its_status) do
    in_scheduler do
      pid = spawn_waiting_child(3)
      assert_equal pid, Process.wait(pid)
      assert_instance_of Process::Status, $?
      assert_equal pid, $?.pid
      assert_equal 3, $?.exitstatus
      refute $?.success?
    end
  end

  each_backend_test(:wait_for_any_child) do
    in_scheduler do
      pid = spawn_waiting_child(4)
      waited, status = Process.wait2 # pid -1: on a helper thread
      assert_equal pid, waited
      assert_equal 4, status.exitstatus
      assert_raises(Errno::ECHILD) { Process.wait }
    end
  end

  each_backend_test(:children_that_already_ended_or_were_killed) do
    in_scheduler do |s|
      done = spawn("true")
      sleep 0.1 # a zombie now
      assert_equal done, Process.wait(done)
      assert $?.success?
      assert_raises(Errno::ECHILD) { Process.wait(done) }

      victim = spawn("sleep", "5")
      Fiber.schedule { sleep 0.02; Process.kill(:TERM, victim) }
      status = s.process_wait(victim, 0)
      assert_instance_of Process::Status, status
      assert status.signaled?
      assert_equal Signal.list["TERM"], status.termsig
    end
  end

  each_backend_test(:many_children_at_once) do
    n = scale(8, 3)
    statuses = {}
    in_scheduler do
      pids = Array.new(n) { |i| spawn("sh", "-c", "sleep 0.0#{i}; exit #{i}") }
      pids.each_with_index do |pid, i|
        Fiber.schedule { statuses[i] = Process::Status.wait(pid).exitstatus }
      end
      sleep 0.01 until statuses.size == n
    end
    assert_equal (0...n).to_h { |i| [i, i] }, statuses
  end

  each_backend_test(:wnohang_does_not_wait) do
    in_scheduler do
      pid = spawn("sleep", "0.1")
      assert_nil Process.wait(pid, Process::WNOHANG)
      assert_equal pid, Process.wait(pid)
    end
  end
end
