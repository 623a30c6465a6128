# frozen_string_literal: true

require "socket"
require "evix/scheduler"
require "evix/stream"

module Evix
  # A TCP server that runs each connection in its own fiber:
  #
  #   Evix.run do
  #     server = Evix::TCPServer.new("127.0.0.1", 0) do |client|
  #       while (data = client.readpartial(4096) rescue nil)
  #         client.write(data)
  #       end
  #     end
  #     server.start
  #     ...
  #     server.close
  #   end
  #
  # The handler gets the accepted ::TCPSocket (plain Ruby IO: under the
  # scheduler its reads and writes suspend the fiber) and the socket is
  # closed when the handler returns.  An exception from the handler goes to
  # the #on_error block (default: a warning); the server goes on.
  class TCPServer
    attr_reader :accepted, :active

    def initialize(host = "127.0.0.1", port = 0, backlog: 1024, scheduler: nil, &handler)
      raise ArgumentError, "Evix::TCPServer needs a handler block" unless handler

      @server = ::TCPServer.new(host, port)
      @server.listen(backlog)
      @handler = handler
      @scheduler = scheduler
      @on_error = nil
      @acceptor = nil
      @closed = false
      @accepted = 0
      @active = 0
    end

    # The Addrinfo the server listens on.
    def local_address
      @server.local_address
    end

    def port
      local_address.ip_port
    end

    def to_io
      @server
    end

    def closed?
      @closed
    end

    # on_error { |exception, client| ... }
    def on_error(&block)
      @on_error = block
      self
    end

    # Starts accepting, in a fiber of the scheduler (which must be the
    # current thread's: Evix.run, or Fiber.set_scheduler).
    def start
      raise Evix::Error, "the server is closed" if @closed
      raise Evix::Error, "the server is already started" if @acceptor

      scheduler = @scheduler || Fiber.scheduler
      unless scheduler.is_a?(Evix::Scheduler) && Fiber.scheduler.equal?(scheduler)
        raise Evix::Error, "Evix::TCPServer#start needs its Evix::Scheduler installed " \
                           "in the current thread (Evix.run or Fiber.set_scheduler)"
      end
      @scheduler = scheduler
      @acceptor = scheduler.fiber { accept_loop }
      self
    end

    # Stops accepting (connections being served go on) and closes the
    # listening socket: at once, or, while the accepting fiber waits on it,
    # as soon as that fiber has been woken (plain IO#close would not wake it
    # before Ruby 4) and has stopped watching the socket - a socket must not
    # be closed under an active watcher.  Closing twice is fine.
    def close
      return if @closed

      @closed = true
      if @acceptor&.alive?
        @scheduler.fiber_interrupt(@acceptor, IOError.new("Evix::TCPServer closed"))
      else
        @server.close unless @server.closed?
      end
      nil
    end

    private

    def accept_loop
      until @closed
        # Accept everything that is queued before waiting again.
        client = @server.accept_nonblock(exception: false)
        if client == :wait_readable
          @scheduler.io_wait(@server, ::IO::READABLE, nil)
          next
        end
        @accepted += 1
        @scheduler.fiber(client) { |c| serve(c) }
      end
    rescue IOError, Errno::EBADF
      raise unless @closed
    ensure
      @server.close if @closed && !@server.closed?
    end

    def serve(client)
      @active += 1
      @handler.call(client)
    rescue StandardError => e
      if @on_error
        @on_error.call(e, client)
      else
        warn "Evix::TCPServer: #{e.class}: #{e.message}"
      end
    ensure
      @active -= 1
      client.close unless client.closed?
    end
  end

  # Client connections that fail at connect time, not at the first write.
  module TCPClient
    # Connects to host:port (each address in turn) and returns the
    # connected ::Socket.  The connect does not block the thread: it waits
    # for writability in the scheduler (or with IO.select without one),
    # then reads SO_ERROR, so a refused connection raises
    # Errno::ECONNREFUSED (and unreachable hosts Errno::EHOSTUNREACH, ...)
    # here.  timeout: seconds for each address (Errno::ETIMEDOUT).
    def self.connect(host, port, timeout: nil, nodelay: true, scheduler: nil)
      addresses = Addrinfo.getaddrinfo(host, port, nil, :STREAM)
      last_error = nil
      addresses.each do |address|
        socket = attempt(address, timeout, scheduler)
        socket.setsockopt(::Socket::IPPROTO_TCP, ::Socket::TCP_NODELAY, 1) if nodelay
        return socket
      rescue SystemCallError => e
        last_error = e
      end
      raise last_error || SocketError.new("no address for #{host}")
    end

    def self.attempt(address, timeout, scheduler)
      socket = ::Socket.new(address.afamily, ::Socket::SOCK_STREAM, 0)
      begin
        if socket.connect_nonblock(address, exception: false) == :wait_writable
          unless Evix.wait_io(socket, ::IO::WRITABLE, timeout, scheduler: scheduler)
            raise Errno::ETIMEDOUT, "connect(2) for #{address.inspect_sockaddr}"
          end

          error = socket.getsockopt(::Socket::SOL_SOCKET, ::Socket::SO_ERROR).int
          unless error.zero?
            raise SystemCallError.new("connect(2) for #{address.inspect_sockaddr}", error)
          end
        end
        socket
      rescue Exception # rubocop:disable Lint/RescueException
        socket.close
        raise
      end
    end
    private_class_method :attempt
  end
end
