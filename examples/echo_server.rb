#!/usr/bin/env ruby
# frozen_string_literal: true

# echo_server.rb - a TCP echo server (and its checking client) written in
# plain Ruby - TCPServer, TCPSocket, Fiber.schedule - and run concurrently
# by Evix::Scheduler: one fiber per connection, no threads.
#
#   ruby echo_server.rb [--port N] [--backend NAME] [--exit-after N]
#                       [--lifetime SECONDS]
#   ruby echo_server.rb --client PORT [--connections N] [--bytes N]
#                       [--backend NAME]
#
# Server: listens on 127.0.0.1 (port 0, the default: any free port), prints
# "listening on 127.0.0.1 PORT", and echoes every byte back until the peer
# closes its side.  With --exit-after N it stops accepting after N
# connections and exits once they are served; --lifetime bounds its run
# (default 60 s).
#
# Client: opens N connections at once (default 50), sends each B bytes
# (default 65536) of its own pseudo-random data in several writes, reads
# the echo back and compares.  Exits 1 if any byte is missing or wrong.
#
# (Run from the source tree: examples/run_ruby.sh sets up the load path.)
require "evix"
require "evix/scheduler"
require "optparse"
require "socket"
require "timeout"

options = { port: 0, exit_after: 0, lifetime: 60.0, connections: 50, bytes: 65_536 }
OptionParser.new do |o|
  o.banner = "usage: echo_server.rb [options]"
  o.on("--port N", Integer, "port to listen on (0: any)") { |v| options[:port] = v }
  o.on("--backend NAME", "evix backend (epoll, poll, select)") { |v| options[:backend] = v.to_sym }
  o.on("--exit-after N", Integer, "exit after serving N connections") { |v| options[:exit_after] = v }
  o.on("--lifetime SECONDS", Float, "exit after this long in any case") { |v| options[:lifetime] = v }
  o.on("--client PORT", Integer, "be the checking client of 127.0.0.1:PORT") { |v| options[:client] = v }
  o.on("--connections N", Integer, "client: connections at once") { |v| options[:connections] = v }
  o.on("--bytes N", Integer, "client: bytes per connection") { |v| options[:bytes] = v }
end.parse!

$stdout.sync = true
Fiber.set_scheduler(Evix::Scheduler.new(backend: options[:backend]))

# Nothing below knows about evix: this is what a Ruby program with a fiber
# scheduler looks like.  The fibers run when the main thread ends.

def serve(options)
  server = TCPServer.new("127.0.0.1", options[:port])
  puts "listening on 127.0.0.1 #{server.addr[1]}"
  stats = { accepted: 0, open: 0, bytes: 0 }
  finished = Queue.new

  # A watchdog: the program ends once everything is served, or at the end
  # of its lifetime.
  Fiber.schedule do
    Timeout.timeout(options[:lifetime]) { finished.pop }
    puts "stats: #{stats[:accepted]} connections, #{stats[:bytes]} bytes echoed"
  rescue Timeout::Error
    warn "echo_server: lifetime of #{options[:lifetime]} s is over"
    exit 2
  end

  Fiber.schedule do
    until options[:exit_after].positive? && stats[:accepted] == options[:exit_after]
      client = server.accept
      stats[:accepted] += 1
      stats[:open] += 1
      Fiber.schedule(client) do |connection| # (not the loop's variable)
        while (data = connection.readpartial(16_384) rescue nil)
          connection.write(data)
          stats[:bytes] += data.bytesize
        end
        connection.close
        stats[:open] -= 1
        finished << true if stats[:open].zero? && stats[:accepted] == options[:exit_after]
      end
    end
    server.close
  end
end

def check(options)
  port = options[:client]
  n = options[:connections]
  size = options[:bytes]
  good = 0
  total = 0
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  done = Queue.new
  n.times do |i|
    Fiber.schedule do
      data = Random.new(i).bytes(size)
      socket = TCPSocket.new("127.0.0.1", port)
      socket.binmode
      # One fiber writes while this one reads: the echo comes back while
      # the data is still going out.
      writer = Fiber.schedule do
        step = [size / 4, 1].max
        (0...size).step(step) { |at| socket.write(data.byteslice(at, step)) }
        socket.close_write
      end
      echoed = socket.read
      total += echoed.bytesize
      if echoed == data
        good += 1
      else
        warn "connection #{i}: #{echoed.bytesize} of #{size} bytes came back, not the same"
      end
      sleep 0.001 while writer.alive?
      socket.close
    rescue SystemCallError, IOError => e
      warn "connection #{i}: #{e.class}: #{e.message}"
    ensure
      done << i
    end
  end
  Fiber.schedule do
    n.times { done.pop }
    elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    puts format("client: %<good>d/%<n>d connections echoed %<total>d bytes correctly in %<t>.2f s",
                good: good, n: n, total: total, t: elapsed)
    exit 1 unless good == n
  end
end

options[:client] ? check(options) : serve(options)
