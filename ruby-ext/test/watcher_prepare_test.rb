# frozen_string_literal: true

require "test_helper"

# Evix::Prepare beyond what every watcher does (watcher_common_test.rb).
class WatcherPrepareTest < Minitest::Test
  include EvixTest::PerBackend

  each_backend_test(:runs_before_each_wait) do
    loop = new_loop
    seen = []
    prepare = Evix::Prepare.new(loop) { |_w, events| seen << [:prepare, events, loop.iteration] }
    check = Evix::Check.new(loop) { |_w, events| seen << [:check, events, loop.iteration] }
    prepare.start
    check.start
    n = 0
    Evix::Timer.new(loop, 0.001, 0.001) { |t| t.stop if (n += 1) == 3 }.start
    loop.run(:once) while n < 3
    prepare.stop
    check.stop
    kinds = seen.map(&:first)
    assert_equal :prepare, kinds.first
    assert_equal kinds.size / 2, kinds.each_slice(2).count([:prepare, :check]),
                 "prepare and check alternate: #{kinds.inspect}"
    assert seen.all? { |k, events, _| events == (k == :prepare ? Evix::PREPARE : Evix::CHECK) }
    its = seen.select { |k, _, _| k == :check }.map(&:last)
    assert_equal its.uniq, its, "one check per loop iteration"

    # A prepare block can start work that keeps the loop from blocking.
    fired = false
    prep = Evix::Prepare.new(loop) do |me|
      Evix::Timer.new(loop, 0) { fired = true }.start
      me.stop
    end
    prep.start
    guard = Evix::Timer.new(loop, 5) {}
    guard.start
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    loop.run(:once) until fired
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0, :<, 2
  end
end
