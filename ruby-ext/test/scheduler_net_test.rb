# frozen_string_literal: true

require "test_helper"
require_relative "support/scheduler_helper"
require "net/http"
require "rbconfig"
require "socket"
require "tempfile"

# Networking under Evix::Scheduler: many connections, Net::HTTP, the TCP
# conveniences, Evix::Stream, and a plain script run unchanged.
class SchedulerNetTest < Minitest::Test
  include EvixTest::PerBackend
  include SchedulerHelper

  light_gc_stress

  # A port nothing listens on (bound once, then closed).
  def closed_port
    server = TCPServer.new("127.0.0.1", 0)
    port = server.addr[1]
    server.close
    port
  end

  each_backend_test(:a_thousand_concurrent_connections_echo_every_byte) do
    n = scale(1000, 3)
    size = scale(4096, 512)
    ok = 0
    bytes = 0
    in_scheduler(limit: 60) do
      server = TCPServer.new("127.0.0.1", 0)
      server.listen(1024)
      port = server.addr[1]
      acceptor = Fiber.schedule do
        n.times do
          client = server.accept
          Fiber.schedule do
            while (chunk = client.readpartial(16_384) rescue nil)
              client.write(chunk)
            end
            client.close
          end
        end
      end
      clients = Array.new(n) do |i|
        Fiber.schedule do
          data = payload(size, i)
          s = TCPSocket.new("127.0.0.1", port)
          s.binmode
          s.write(data.byteslice(0, size / 2))
          sleep 0.001 * (i % 5) # spread the second halves out
          s.write(data.byteslice(size / 2, size))
          s.close_write
          echoed = s.read
          s.close
          bytes += echoed.bytesize
          ok += 1 if echoed == data
        end
      end
      sleep 0.01 while clients.any?(&:alive?)
      refute acceptor.alive?
      server.close
    end
    assert_equal n, ok, "every connection got its bytes back"
    assert_equal n * size, bytes
  end

  # A small HTTP/1.1 server for Net::HTTP: one request per connection,
  # each answer delayed so that requests overlap.
  def start_http_server(delay:)
    server = TCPServer.new("127.0.0.1", 0)
    stats = { in_flight: 0, max_in_flight: 0, served: 0 }
    acceptor = Fiber.schedule do
      loop do
        client = server.accept
        Fiber.schedule do
          request = client.gets
          nil while (line = client.gets) && line != "\r\n"
          stats[:in_flight] += 1
          stats[:max_in_flight] = [stats[:max_in_flight], stats[:in_flight]].max
          sleep delay
          body = "you asked for #{request.split[1]}"
          client.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" \
                       "Content-Length: #{body.bytesize}\r\nConnection: close\r\n\r\n#{body}")
          stats[:in_flight] -= 1
          stats[:served] += 1
          client.close
        end
      end
    rescue IOError
      nil
    end
    [server, acceptor, stats]
  end

  each_backend_test(:net_http_against_a_local_server) do
    n = scale(10, 2)
    in_scheduler do |s|
      server, acceptor, stats = start_http_server(delay: 0.05)
      port = server.addr[1]
      bodies = {}
      fetchers = Array.new(n) do |i|
        Fiber.schedule do
          bodies[i] = unstressed { Net::HTTP.get(URI("http://127.0.0.1:#{port}/item/#{i}")) }
        end
      end
      sleep 0.01 while fetchers.any?(&:alive?)
      response = unstressed do
        Net::HTTP.start("127.0.0.1", port, open_timeout: 2, read_timeout: 2) { |http| http.get("/last") }
      end
      s.fiber_interrupt(acceptor, IOError.new("done"))
      server.close
      assert_equal (0...n).to_h { |i| [i, "you asked for /item/#{i}"] }, bodies
      assert_equal "200", response.code
      assert_equal "you asked for /last", response.body
      assert_equal n + 1, stats[:served]
      assert_operator stats[:max_in_flight], :>=, 2, "the requests were served concurrently"
    end
  end

  each_backend_test(:tcp_client_connect_refused_raises_at_connect) do
    port = closed_port
    in_scheduler do
      e = assert_raises(Errno::ECONNREFUSED) { Evix::TCPClient.connect("127.0.0.1", port) }
      assert_match(/connect/, e.message)
    end
    # Outside a scheduled fiber: the scheduler's loop runs until the
    # connect is decided (or, with no scheduler at all, IO.select waits).
    s = new_scheduler
    result = in_thread do
      Fiber.set_scheduler(s)
      Evix::TCPClient.connect("127.0.0.1", port)
    rescue Errno::ECONNREFUSED => e
      e
    end
    assert_instance_of Errno::ECONNREFUSED, result
    assert_raises(Errno::ECONNREFUSED) { Evix::TCPClient.connect("127.0.0.1", port, scheduler: nil) }
  end

  each_backend_test(:tcp_server_tcp_client_and_stream) do
    errors = []
    in_scheduler do |s|
      server = Evix::TCPServer.new("127.0.0.1", 0) do |client|
        stream = Evix::Stream.new(client)
        while (line = stream.gets)
          raise "asked to fail" if line == "fail\n"

          stream.write(line.upcase)
        end
      end
      server.on_error { |e, _client| errors << e.message }
      server.start
      port = server.port
      replies = []
      nclients = scale(3, 1)
      nclients.times do |i|
        Fiber.schedule do
          stream = Evix::Stream.new(Evix::TCPClient.connect("127.0.0.1", port, timeout: 5))
          stream.puts "hello #{i}", "bye #{i}"
          stream.close_write
          replies << [stream.gets, stream.gets, stream.gets]
          stream.close
        end
      end
      # "localhost" may be ::1 first, where nothing listens: the next
      # address is tried.  (Under GC.stress the name lookup's helper thread
      # is too slow to bother.)
      failing = Evix::Stream.new(Evix::TCPClient.connect(SchedulerHelper.stress? ? "127.0.0.1" : "localhost", port))
      failing.write("fail\n")
      assert_nil failing.gets, "the server closed the connection after its handler raised"
      failing.close
      sleep 0.01 until replies.size == nclients
      assert_equal (0...nclients).map { |i| ["HELLO #{i}\n", "BYE #{i}\n", nil] }, replies.sort_by(&:first)
      assert_equal nclients + 1, server.accepted
      server.close
      server.close
      assert server.closed?
      sleep 0.01 # the accepting fiber closes the socket once it is woken
      assert server.to_io.closed?
      assert_raises(Errno::ECONNREFUSED) { Evix::TCPClient.connect("127.0.0.1", port) }
      assert_raises(Evix::Error) { server.start }
      sleep 0.01
      assert_equal 0, s.waiting, "the acceptor ended"
    end
    assert_equal ["asked to fail"], errors
  end

  each_backend_test(:stream_outside_a_fiber_runs_the_loop) do
    s = new_scheduler
    result = in_thread do
      Fiber.set_scheduler(s)
      a, b = UNIXSocket.pair
      log = []
      Fiber.schedule { 3.times { |i| sleep 0.01; log << i }; b.write("from a fiber\n") }
      line = Evix::Stream.new(a).gets # the thread's root fiber waits here
      [line, log]
    end
    assert_equal ["from a fiber\n", [0, 1, 2]], result
    assert_raises(TypeError) { Evix::Stream.new(42) }
  end

  each_backend_test(:plain_ruby_runs_unchanged_in_a_script) do
    script = File.expand_path("support/plain_script.rb", __dir__)
    dirs = $LOAD_PATH.select do |d|
      File.exist?(File.join(d, "evix.rb")) || Dir.exist?(File.join(d, "evix"))
    end
    cmd = [RbConfig.ruby, *dirs.flat_map { |d| ["-I", d] }, script, backend.to_s]
    output = nil
    errors = Tempfile.create("evix-script") do |err|
      IO.popen(cmd, err: err.path) do |io|
        output = Timeout.timeout(30) { io.read }
      rescue Timeout::Error
        Process.kill(:KILL, io.pid)
        flunk "the script did not finish"
      end
      File.read(err.path)
    end
    assert $?.success?, "the script failed:\n#{output}#{errors}"
    lines = output.lines.map(&:chomp)
    expected = ["echo: HELLO 0", "echo: HELLO 1", "echo: HELLO 2", "queue: 1 2 3", "sleep: done",
                "timeout: Timeout::Error", "mutex: 5", "scheduler: Evix::Scheduler"]
    assert_equal expected.sort, lines.sort
  end
end
