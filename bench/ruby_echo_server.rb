#!/usr/bin/env ruby
# frozen_string_literal: true

# ruby_echo_server.rb - the server side of the Ruby scheduler benchmark
# (ruby_bench.sh): a TCP echo or minimal HTTP/1.1 keep-alive server written
# once, in plain standard-library Ruby (TCPServer, accept, readpartial,
# write), and run three ways:
#
#   --mode evix     one fiber per connection under Evix::Scheduler
#   --mode async    one fiber per connection under Async (1.x: Async::Reactor
#                   with its Fiber scheduler)
#   --mode threads  one Thread per connection, no scheduler
#
#   ruby ruby_echo_server.rb --mode MODE [--proto echo|http] [--port N]
#                            [--lifetime SECONDS]
#
# Prints "listening on 127.0.0.1 PORT" once it accepts connections, then
# serves until SIGTERM (exits at once) or the end of its lifetime (default
# 120 s; exit status 3).  The load generator is bench/echo_load.c.
require "optparse"
require "socket"

options = { mode: "evix", proto: "echo", port: 0, lifetime: 120.0 }
OptionParser.new do |o|
  o.banner = "usage: ruby_echo_server.rb --mode evix|threads|async [options]"
  o.on("--mode MODE", %w[evix threads async], "how connections run concurrently") { |v| options[:mode] = v }
  o.on("--proto PROTO", %w[echo http], "echo bytes back, or answer HTTP GETs") { |v| options[:proto] = v }
  o.on("--port N", Integer, "port on 127.0.0.1 (0: any free one)") { |v| options[:port] = v }
  o.on("--lifetime SECONDS", Float, "exit after this long in any case") { |v| options[:lifetime] = v }
end.parse!

# The one reply of the HTTP mode; echo_load.c checks it byte for byte.
RESPONSE = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n" \
           "\r\nHello, world\n"
GONE = [EOFError, IOError, Errno::ECONNRESET, Errno::EPIPE].freeze

# Echoes everything until the peer closes.
def echo(conn)
  buf = String.new(capacity: 16_384)
  loop do
    conn.readpartial(16_384, buf)
    conn.write(buf)
  end
rescue *GONE
  nil
ensure
  conn.close
end

# Answers every request (everything up to an empty line) with RESPONSE.
# A request that arrives whole, the usual case, costs no allocation.
def http(conn)
  buf = String.new(capacity: 16_384)
  pending = String.new
  loop do
    conn.readpartial(16_384, buf)
    data = pending.empty? ? buf : (pending << buf)
    start = 0
    while (at = data.index("\r\n\r\n", start))
      start = at + 4
      conn.write(RESPONSE)
    end
    rest = data.bytesize - start
    if rest.zero?
      pending.clear unless pending.empty?
    elsif start.positive? || data.equal?(buf)
      pending = data.byteslice(start, rest)
    end
  end
rescue *GONE
  nil
ensure
  conn.close
end

# The server, the same in every mode: `spawn` runs a block concurrently
# (a fiber or a thread).
def serve(server, proto, spawn)
  handler = method(proto == "http" ? :http : :echo)
  loop do
    conn = server.accept
    conn.setsockopt(Socket::IPPROTO_TCP, Socket::TCP_NODELAY, 1)
    spawn.call { handler.call(conn) }
  end
rescue IOError
  nil
end

$stdout.sync = true
server = TCPServer.new("127.0.0.1", options[:port])
# Whatever the mode, the process ends: on SIGTERM from ruby_bench.sh, or
# from this thread (made before any scheduler, so it is a plain thread).
trap("TERM") { exit!(0) }
Thread.new do
  sleep options[:lifetime]
  warn "ruby_echo_server.rb: lifetime of #{options[:lifetime]} s is over"
  exit!(3)
end

fiber_spawn = ->(&block) { Fiber.schedule(&block) }
case options[:mode]
when "threads"
  puts "listening on 127.0.0.1 #{server.addr[1]}"
  serve(server, options[:proto], ->(&block) { Thread.new(&block) })
when "evix"
  require "evix"
  require "evix/scheduler"
  Fiber.set_scheduler(Evix::Scheduler.new)
  Fiber.schedule { serve(server, options[:proto], fiber_spawn) }
  puts "listening on 127.0.0.1 #{server.addr[1]}"
  Fiber.set_scheduler(nil) # runs the fibers
when "async"
  require "async"
  Async do
    Fiber.schedule { serve(server, options[:proto], fiber_spawn) }
    puts "listening on 127.0.0.1 #{server.addr[1]}"
  end
end
