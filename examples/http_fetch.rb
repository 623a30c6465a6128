#!/usr/bin/env ruby
# frozen_string_literal: true

# http_fetch.rb - fetches many URLs at once with Net::HTTP, one fiber per
# request, under Evix::Scheduler.  The URLs point at a small HTTP server
# that this program runs itself, on 127.0.0.1, in fibers of the same
# scheduler; it answers each request after --delay seconds, like a slow
# backend would.
#
#   ruby http_fetch.rb [--requests N] [--delay SECONDS] [--backend NAME]
#
# Prints one line per response and a summary.  The fetches overlap, so the
# whole run takes about one delay, not N of them.  Exits 1 if a response
# is wrong, or if the server never had two requests in progress at once.
#
# (Run from the source tree: examples/run_ruby.sh sets up the load path.)
require "evix"
require "evix/scheduler"
require "net/http"
require "optparse"
require "socket"

options = { requests: 10, delay: 0.2 }
OptionParser.new do |o|
  o.banner = "usage: http_fetch.rb [options]"
  o.on("--requests N", Integer, "how many URLs to fetch at once") { |v| options[:requests] = v }
  o.on("--delay SECONDS", Float, "how long the server takes per answer") { |v| options[:delay] = v }
  o.on("--backend NAME", "evix backend (epoll, poll, select)") { |v| options[:backend] = v.to_sym }
end.parse!

$stdout.sync = true
Fiber.set_scheduler(Evix::Scheduler.new(backend: options[:backend]))

# From here on: plain Ruby.

# The server: HTTP/1.1, one request per connection, as many connections as
# there are requests.
server = TCPServer.new("127.0.0.1", 0)
port = server.addr[1]
in_progress = 0
most_in_progress = 0
Fiber.schedule do
  options[:requests].times do
    client = server.accept
    Fiber.schedule do
      request_line = client.gets.to_s
      nil while (line = client.gets) && line != "\r\n"
      in_progress += 1
      most_in_progress = [most_in_progress, in_progress].max
      sleep options[:delay]
      path = request_line.split[1].to_s
      body = "#{path} served by fiber #{Fiber.current.object_id}\n"
      client.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" \
                   "Content-Length: #{body.bytesize}\r\nConnection: close\r\n\r\n#{body}")
      in_progress -= 1
      client.close
    end
  end
  server.close
end

# The client: every fetch in its own fiber.
started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
results = Queue.new
options[:requests].times do |i|
  Fiber.schedule do
    uri = URI("http://127.0.0.1:#{port}/item/#{i}")
    response = Net::HTTP.get_response(uri)
    results << [i, response.code, response.body]
  rescue StandardError => e
    results << [i, e.class.name, e.message]
  end
end

Fiber.schedule do
  bad = 0
  options[:requests].times do
    i, code, body = results.pop
    ok = code == "200" && body.start_with?("/item/#{i} ")
    bad += 1 unless ok
    puts "GET /item/#{i} -> #{code} #{body.chomp}#{ok ? '' : '  (WRONG)'}"
  end
  elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  puts format("%<n>d requests in %<t>.2f s (one at a time: at least %<seq>.2f s); " \
              "at most %<most>d in progress at once on the server",
              n: options[:requests], t: elapsed, seq: options[:requests] * options[:delay],
              most: most_in_progress)
  if bad.positive? || (options[:requests] > 1 && most_in_progress < 2)
    warn "http_fetch: #{bad} wrong responses, #{most_in_progress} at most in progress"
    exit 1
  end
end
