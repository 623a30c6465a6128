# frozen_string_literal: true

require "test_helper"
require_relative "support/scheduler_helper"
require_relative "support/dns_stub"
require "resolv"
require "socket"

# Evix::Scheduler#address_resolve: name resolution runs on a helper thread
# and never stalls the loop.
#
# The system resolver cannot be pointed at a test server without root (no
# environment variable moves /etc/resolv.conf), so the scheduler's
# resolver is pluggable: here it is Ruby's Resolv::DNS talking real DNS to
# a slow stub server on 127.0.0.1 (support/dns_stub.rb).
class SchedulerResolveTest < Minitest::Test
  include EvixTest::PerBackend
  include SchedulerHelper

  light_gc_stress

  DELAY = 0.3

  def setup
    super
    @stub = DnsStub.new({ "slow.evix.test" => "127.0.0.1", "two.evix.test" => %w[127.0.0.2 127.0.0.3] },
                        delay: DELAY)
    @resolver_threads = Queue.new
  end

  def teardown
    @stub&.close
    super
  end

  def stub_resolver
    dns = Resolv::DNS.new(nameserver_port: [["127.0.0.1", @stub.port]], search: [], ndots: 1)
    dns.timeouts = 5
    threads = @resolver_threads
    lambda do |host|
      threads << Thread.current
      # A records only: every query the stub answers takes DELAY.
      unstressed { dns.getresources(host, Resolv::DNS::Resource::IN::A).map { |r| r.address.to_s } }
    end
  end

  each_backend_test(:slow_resolution_does_not_stall_the_other_fibers) do
    s = new_scheduler(resolver: stub_resolver)
    in_scheduler(s) do
      server = TCPServer.new("127.0.0.1", 0)
      port = server.addr[1]
      acceptor = Fiber.schedule { server.accept.close }
      ticks = 0
      ticker = Fiber.schedule { loop { sleep 0.01; ticks += 1 } }
      t0 = now
      socket = TCPSocket.new("slow.evix.test", port)
      elapsed = now - t0
      assert_equal "127.0.0.1", socket.remote_address.ip_address
      socket.close
      sleep 0.01 while acceptor.alive?
      server.close
      s.fiber_interrupt(ticker, StopIteration.new)
      assert_operator elapsed, :>=, DELAY
      assert_operator ticks, :>=, (DELAY / 0.01 / 3).floor, "the ticker kept ticking during the lookup"
      assert_equal ["slow.evix.test"], [@stub.queries.pop]
      resolver_thread = @resolver_threads.pop
      refute_equal Thread.current, resolver_thread, "the lookup ran on another thread"
    end
  end

  each_backend_test(:lookups_overlap_and_return_every_address) do
    s = new_scheduler(resolver: stub_resolver)
    in_scheduler(s) do
      results = {}
      %w[slow.evix.test two.evix.test].each do |name|
        Fiber.schedule { results[name] = Addrinfo.getaddrinfo(name, 80, nil, :STREAM).map(&:ip_address).sort }
      end
      sleep 0.01 until results.size == 2
      assert_equal ["127.0.0.1"], results["slow.evix.test"]
      assert_equal %w[127.0.0.2 127.0.0.3], results["two.evix.test"]
    end
  end

  each_backend_test(:unknown_names_raise_socket_error) do
    s = new_scheduler(resolver: stub_resolver)
    in_scheduler(s) do
      assert_raises(SocketError) { Addrinfo.getaddrinfo("nowhere.evix.test", 80) }
      assert_raises(SocketError) { TCPSocket.new("nowhere.evix.test", 80) }
    end
  end

  each_backend_test(:resolver_errors_propagate_and_zones_are_kept) do
    calls = []
    resolver = lambda do |host|
      calls << host
      raise ArgumentError, "resolver broke" if host == "broken.test"

      %w[fe80::1 10.0.0.1]
    end
    s = new_scheduler(resolver: resolver)
    in_scheduler(s) do
      assert_equal %w[fe80::1%eth0 10.0.0.1], s.address_resolve("link.test%eth0")
      assert_equal "link.test", calls.last, "the zone is not part of the lookup"
      assert_raises(ArgumentError) { Addrinfo.getaddrinfo("broken.test", 80) }
    end
    assert_raises(TypeError) { Evix::Scheduler.new(new_loop, resolver: :not_callable) }
  end

  each_backend_test(:the_default_resolver_uses_the_system) do
    expected = begin
      Addrinfo.getaddrinfo("localhost", nil, nil, :STREAM).map(&:ip_address).uniq.sort
    rescue SocketError
      skip "localhost does not resolve on this machine"
    end
    in_scheduler do |s|
      assert_equal expected, s.address_resolve("localhost").sort
      assert_equal expected, Addrinfo.getaddrinfo("localhost", nil, nil, :STREAM).map(&:ip_address).uniq.sort
    end
  end
end
