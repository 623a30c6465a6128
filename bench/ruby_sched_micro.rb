#!/usr/bin/env ruby
# frozen_string_literal: true

# ruby_sched_micro.rb - scheduler micro-benchmarks for ruby_bench.sh, in
# plain Ruby (sleep, Thread::Queue), run three ways like
# ruby_echo_server.rb: fibers under Evix::Scheduler (--mode evix), fibers
# under Async (--mode async), or threads without a scheduler (--mode
# threads).
#
#   ruby ruby_sched_micro.rb --mode MODE [--quick]
#
# Prints "NAME VALUE UNIT" lines:
#   sleep_1000_cpu   us/wake  1000 fibers (threads) each sleeping a random
#                             0-10 ms again and again for a fixed time (up
#                             to 200,000 wake-ups a second in all): the
#                             process's CPU time per wake-up
#   sleep_1000_late  us       the median lateness of those wake-ups (time
#                             slept minus time asked for); it grows once
#                             the wake-ups need more than the CPU there is
#   queue_pingpong   ns/rt    two fibers (threads) passing a value back
#                             and forth through two Thread::Queues
require "optparse"

options = { mode: "evix", quick: false }
OptionParser.new do |o|
  o.banner = "usage: ruby_sched_micro.rb --mode evix|threads|async [--quick]"
  o.on("--mode MODE", %w[evix threads async]) { |v| options[:mode] = v }
  o.on("-q", "--quick", "short windows, for a smoke run") { options[:quick] = true }
end.parse!

SLEEPERS = 1000
SLEEP_MAX = 0.010
SLEEP_WINDOW = options[:quick] ? 0.4 : 1.5
QUEUE_WINDOW = options[:quick] ? 0.3 : 1.0

def now
  Process.clock_gettime(Process::CLOCK_MONOTONIC)
end

def cpu_now
  Process.clock_gettime(Process::CLOCK_PROCESS_CPUTIME_ID)
end

# Runs `body` with a `spawn` that starts a block concurrently, and waits
# for everything spawned.
def concurrently(mode, &body)
  case mode
  when "threads"
    threads = []
    body.call(->(&block) { threads << Thread.new(&block) })
    threads.each(&:join)
  when "evix"
    require "evix"
    require "evix/scheduler"
    Fiber.set_scheduler(Evix::Scheduler.new)
    Fiber.schedule { body.call(->(&block) { Fiber.schedule(&block) }) }
    Fiber.set_scheduler(nil) # runs the fibers to the end
  when "async"
    require "async"
    Async { body.call(->(&block) { Fiber.schedule(&block) }) }
  end
end

# Every sleeper sleeps until the window is over; wake-ups and lateness are
# counted for all of them.
def sleepers(mode)
  lates = []
  cpu0 = cpu_now
  t0 = now
  deadline = t0 + SLEEP_WINDOW
  concurrently(mode) do |spawn|
    SLEEPERS.times do |i|
      spawn.call do
        rng = Random.new(i + 1)
        while (t = now) < deadline
          want = rng.rand * SLEEP_MAX
          sleep want
          lates << (now - t - want)
        end
      end
    end
  end
  cpu = cpu_now - cpu0
  lates.sort!
  puts format("sleep_1000_cpu %.2f us/wake", cpu * 1e6 / lates.size)
  puts format("sleep_1000_late %.2f us", lates[lates.size / 2] * 1e6)
  puts format("# sleepers: %d wake-ups in %.2f s, p99 lateness %.0f us", lates.size,
              now - t0, lates[(lates.size * 99) / 100] * 1e6)
end

def queue_pingpong(mode)
  trips = 0
  elapsed = 0.0
  concurrently(mode) do |spawn|
    ping = Thread::Queue.new
    pong = Thread::Queue.new
    spawn.call do
      while (v = ping.pop)
        pong << v
      end
    end
    spawn.call do
      t0 = now
      deadline = t0 + QUEUE_WINDOW
      # The clock is read once every 100 round trips.
      while now < deadline
        100.times do |i|
          ping << i
          pong.pop
        end
        trips += 100
      end
      elapsed = now - t0
      ping << nil
    end
  end
  puts format("queue_pingpong %.1f ns/rt", elapsed * 1e9 / trips)
  puts format("# queue: %d round trips in %.2f s", trips, elapsed)
end

# Both measurements in one process, each with a fresh scheduler.
Thread.new do
  sleep 60
  warn "ruby_sched_micro.rb: still running after 60 s"
  exit!(3)
end
$stdout.sync = true
sleepers(options[:mode])
queue_pingpong(options[:mode])
