# frozen_string_literal: true

require "test_helper"

# Evix::Periodic beyond what every watcher does (watcher_common_test.rb).
class WatcherPeriodicTest < Minitest::Test
  include EvixTest::PerBackend

  each_backend_test(:absolute_times_and_intervals) do
    loop = new_loop
    # An absolute time: once, not before.
    target = Time.now + 0.05
    fired_at = nil
    once = Evix::Periodic.new(loop, offset: target) { fired_at = Time.now.to_f }
    once.start
    assert_in_delta target.to_f, once.at, 0.001
    assert_in_delta target.to_f, once.offset, 0.001
    loop.run
    assert_operator fired_at, :>=, target.to_f - 0.001
    refute once.active?, "an absolute periodic fires once"

    # An interval: at offset + N * interval.
    ats = []
    every = Evix::Periodic.new(loop, offset: 0.001, interval: 0.02) do |me, events|
      ats << [me.at, events]
      me.stop if ats.size == 3
    end
    every.start
    loop.run
    assert_equal [Evix::PERIODIC] * 3, ats.map(&:last)
    ats.each { |t, _| assert_in_delta 0.001, t % 0.02, 1e-6 }
    assert_in_delta 0.02, ats[1][0] - ats[0][0], 1e-6

    # #again applies a changed interval.
    hourly = Evix::Periodic.new(loop, offset: 0, interval: 3600) { |me| fired_at = :hourly; me.stop }
    hourly.start
    assert_operator hourly.at - Time.now.to_f, :>, 1, "next full hour"
    hourly.interval = 0.01
    hourly.again
    assert_equal 0.01, hourly.interval
    assert_operator hourly.at - Time.now.to_f, :<, 0.5
    run_until(loop) { fired_at == :hourly }
  end

  each_backend_test(:reschedule_block_nil_and_exceptions) do
    loop = new_loop
    calls = []
    fired = 0
    rs = lambda do |w, now|
      calls << [w, now]
      calls.size < 3 ? now + 0.01 : nil
    end
    p = Evix::Periodic.new(loop, reschedule: rs) { fired += 1 }
    assert_same rs, p.reschedule
    p.start
    assert_in_delta Time.now.to_f + 0.01, p.at, 0.5
    loop.run # ends: the periodic stops itself
    assert_equal 3, calls.size
    assert_same p, calls[0][0]
    assert_kind_of Float, calls[0][1]
    assert_equal 2, fired, "the expiry whose reschedule said nil still runs the block"
    refute p.active?

    # Exceptions from it propagate (from #run, or #start) and stop it.
    n = 0
    bad = Evix::Periodic.new(loop, reschedule: ->(_w, now) { (n += 1) == 2 ? raise(KeyError, "later") : now }) {}
    bad.start
    e = assert_raises(KeyError) { loop.run }
    assert_equal "later", e.message
    refute bad.active?
    refute loop.run(:nowait), "the loop stays usable"

    at_start = Evix::Periodic.new(loop, reschedule: ->(_w, _now) { raise KeyError, "now" }) {}
    assert_raises(KeyError) { at_start.start }
    refute at_start.active?
    wrong = Evix::Periodic.new(loop, reschedule: ->(_w, _now) { "soon" }) {}
    assert_raises(TypeError) { wrong.start }
    refute wrong.active?

    # The block must not touch the loop (libev is in the middle of it).
    meddler = Evix::Periodic.new(loop, reschedule: ->(w, now) { w.stop; now }) {}
    assert_raises(RuntimeError) { meddler.start }
    refute meddler.active?
    assert_equal 0, loop.active_watchers
  end

  def test_argument_checks
    loop = Evix::Loop.new
    assert_raises(ArgumentError) { Evix::Periodic.new(loop, interval: -1) {} }
    assert_raises(ArgumentError) { Evix::Periodic.new(loop, offset: Float::NAN) {} }
    assert_raises(TypeError) { Evix::Periodic.new(loop, offset: "now") {} }
    assert_raises(TypeError) { Evix::Periodic.new(loop, reschedule: 5) {} }
    assert_raises(ArgumentError) { Evix::Periodic.new(loop, every: 5) {} }
    assert_raises(ArgumentError) { Evix::Periodic.new(loop, 1, 2) {} }
    p = Evix::Periodic.new(loop) {}
    p.start
    assert_raises(RuntimeError) { p.reschedule = ->(_w, now) { now } }
    assert_raises(ArgumentError) { p.interval = -2 }
  ensure
    loop&.close
  end
end
