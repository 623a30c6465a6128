# frozen_string_literal: true

require "evix/evix_ext"

module Evix
  # A Fiber::Scheduler on an Evix::Loop: with it installed, plain Ruby
  # (sockets, pipes, files, sleep, Queue, Mutex, ConditionVariable,
  # Timeout, Process.wait, name resolution) runs concurrently in fibers.
  #
  #   Fiber.set_scheduler(Evix::Scheduler.new)
  #   Fiber.schedule { sleep 1; puts "one" }
  #   Fiber.schedule { sleep 1; puts "two" }
  #   # both print after one second, when the thread ends (or call
  #   # Fiber.scheduler.run / .close to run them earlier)
  #
  # The hot hooks (io_wait, io_read, io_write, kernel_sleep, block,
  # unblock, timeout_after) are in C (ruby_scheduler.c, ruby_sched_io.c);
  # this file adds the hooks that hand work to helper threads, fiber
  # creation and closing.
  #
  # Switching is resume/yield: a hook suspends its fiber with Fiber.yield,
  # returning to whoever resumed it (the run loop, or the caller of
  # Fiber.schedule).  A fiber that Ruby code resumes by hand (Fiber#resume
  # of a non-blocking fiber inside a scheduled one) yields back to that
  # code when it waits, as under Ruby's own reference scheduler; use
  # Fiber.schedule for concurrent work, or Fiber.new(blocking: true) for
  # generators.
  class Scheduler
    # The C half: the hooks, the run loop, #loop, #waiting (ruby_scheduler.c
    # and ruby_sched_io.c).
    Evix.__send__(:setup_scheduler_class, self)

    # Resolves a host name to IP address strings, on a helper thread.
    DEFAULT_RESOLVER = lambda do |host|
      require "socket"
      Addrinfo.getaddrinfo(host, nil, nil, :STREAM).map(&:ip_address).uniq
    end

    # Evix::Scheduler.new(loop = nil, backend: nil, resolver: nil)
    #
    # loop: an Evix::Loop to run on (the scheduler then leaves it open when
    # it closes); by default it makes its own, on `backend` if given.
    # resolver: anything with #call(hostname) -> [ip strings] (or nil when
    # the name does not exist); it runs on a helper thread.
    def initialize(loop = nil, backend: nil, resolver: nil)
      raise ArgumentError, "pass either a loop or a backend, not both" if loop && backend
      if resolver && !resolver.respond_to?(:call)
        raise TypeError, "resolver must respond to #call(hostname)"
      end

      @owns_loop = loop.nil?
      attach_loop(loop || Evix::Loop.new(backend: backend))
      @resolver = resolver || DEFAULT_RESOLVER
      @closed = false
    end

    attr_accessor :resolver

    def closed?
      @closed
    end

    # Fiber.schedule's hook: a new non-blocking fiber that starts at once;
    # the arguments go to the block.  Returns the fiber.
    def fiber(*args, **kwargs, &block)
      raise ArgumentError, "Evix::Scheduler#fiber needs a block" unless block
      raise Evix::Error, "the scheduler is closed" if @closed

      fiber = Fiber.new(blocking: false, &block)
      fiber.resume(*args, **kwargs)
      fiber
    end

    # Like Fiber.schedule, for a scheduler you hold: starts the block in a
    # new fiber (it must be this thread's scheduler, or the fiber's
    # blocking calls would not come here).
    def spawn(*args, **kwargs, &block)
      unless Fiber.scheduler.equal?(self)
        raise Evix::Error, "this scheduler is not installed in the current thread " \
                           "(Fiber.set_scheduler, or use Evix.run)"
      end
      fiber(*args, **kwargs, &block)
    end

    # Runs a blocking block on a helper thread; the calling fiber waits
    # for its value (or exception) while the others run.
    def offload(&work)
      raise ArgumentError, "offload needs a block" unless work

      thread = Thread.new do
        Thread.current.report_on_exception = false
        work.call
      end
      thread.value
    end

    # Process.wait's hook.  A specific child is watched through a pidfd on
    # the loop; anything else (-1, 0, a process group, options other than
    # WNOHANG) waits on a helper thread.  Returns a Process::Status.
    def process_wait(pid, flags)
      return Process::Status.wait(pid, flags) if flags.anybits?(Process::WNOHANG)

      if pid.positive? && flags.zero? && (fd = pidfd_open(pid))
        io = ::IO.for_fd(fd, autoclose: true)
        begin
          # Checked before every wait: the child may be gone already, and a
          # pidfd of a reaped child never becomes readable.
          until (status = Process::Status.wait(pid, flags | Process::WNOHANG))
            io_wait(io, ::IO::READABLE, nil)
          end
          return status
        ensure
          io.close
        end
      end
      offload { Process::Status.wait(pid, flags) }
    end

    # Name resolution's hook (Addrinfo, TCPSocket.new, Socket.getaddrinfo
    # and friends, for names that are not numeric addresses): the resolver
    # runs on a helper thread.  Returns IP address strings, or nil when the
    # name does not exist.
    def address_resolve(hostname)
      host, zone = hostname.split("%", 2)
      resolver = @resolver
      addresses = offload { resolver.call(host) }
      return nil if addresses.nil? || addresses.empty?

      addresses.map do |address|
        address = address.to_s
        zone && address.include?(":") ? "#{address}%#{zone}" : address
      end
    rescue StandardError => e
      raise unless name_error?(e)

      nil
    end

    # Ruby 3.4's hook for blocking C calls: the work runs on a helper
    # thread.
    def blocking_operation_wait(work)
      offload { work.call }
    end

    # Called by Ruby when the scheduler is replaced or the thread ends:
    # runs the fibers until none waits any more, then closes the loop if
    # the scheduler made it.  An exception from a fiber comes out here and
    # leaves the scheduler open (calling it again goes on).
    def scheduler_close
      return if @closed

      run
      @closed = true
      self.loop.close if @owns_loop && waiting.zero?
      nil
    end

    # Runs the remaining fibers and closes the scheduler; uninstalls it
    # first if it is the current thread's scheduler.  Closing twice is fine.
    def close
      return if @closed

      if Fiber.scheduler.equal?(self)
        Fiber.set_scheduler(nil) # calls scheduler_close
      else
        scheduler_close
      end
      nil
    end

    # IO::Buffer#pread/#pwrite's hooks, where Ruby hands them the file
    # offset intact.  Ruby 3.1 passes Ruby's internal encoding of the
    # Integer instead (2n + 1), which would read and write at the wrong
    # place: there the hooks are left out and Ruby does the (file) I/O
    # itself.  Found out by trying, once, with a probe scheduler.
    def self.buffer_offsets_intact?
      return false unless defined?(::IO::Buffer) && ::IO::Buffer.method_defined?(:pwrite)

      seen = nil
      probe = Object.new
      probe.define_singleton_method(:block) { |*| nil }
      probe.define_singleton_method(:unblock) { |*| nil }
      probe.define_singleton_method(:kernel_sleep) { |*| nil }
      probe.define_singleton_method(:io_wait) { |*| 0 }
      probe.define_singleton_method(:fiber) { |&b| Fiber.new(blocking: false, &b).tap(&:resume) }
      probe.define_singleton_method(:io_pwrite) do |_io, _buffer, *rest|
        seen = rest.size == 2 ? rest[1] : rest[0] # (length, offset) or (from, length, offset)
        rest.size == 2 ? rest[0] : rest[1]
      end
      experimental = Warning[:experimental]
      Warning[:experimental] = false
      File.open(File::NULL, "wb") do |null|
        Thread.new do
          Fiber.set_scheduler(probe)
          Fiber.schedule { ::IO::Buffer.new(1).pwrite(null, 1, 3) }
        end.join
      end
      seen == 3
    rescue StandardError
      false
    ensure
      Warning[:experimental] = experimental unless experimental.nil?
    end

    if buffer_offsets_intact?
      alias_method :io_pread, :pread_buffer
      alias_method :io_pwrite, :pwrite_buffer
    end

    private

    # Leaves the fibers that still wait as they are: #close will not run
    # them (used when an exception ends Evix.run).
    def abandon
      @closed = true
    end

    def name_error?(error)
      return true if defined?(::SocketError) && error.is_a?(::SocketError)
      return true if defined?(::Resolv::ResolvError) && error.is_a?(::Resolv::ResolvError)

      false
    end

    # In a forked child the parent's fibers must not run: the C side drops
    # their waits the next time it is used.
    if Process.respond_to?(:_fork)
      module ForkHook
        def _fork
          pid = super
          Evix::Scheduler.__send__(:forked) if pid.zero?
          pid
        end
      end
      Process.singleton_class.prepend(ForkHook)
    end
  end

  # Waits until io has one of events (IO::READABLE, IO::WRITABLE) or
  # timeout seconds pass; returns the events or false/nil on timeout.
  # With an Evix::Scheduler (given, or the thread's) the wait goes through
  # it: a scheduled fiber is suspended, and any other fiber runs the loop
  # (and the other fibers) until io is ready.  Without one it blocks.
  def self.wait_io(io, events, timeout = nil, scheduler: nil)
    scheduler ||= Fiber.scheduler
    if scheduler.is_a?(Evix::Scheduler) || (scheduler && Fiber.current_scheduler)
      return scheduler.io_wait(io, events, timeout)
    end

    readers = events.anybits?(::IO::READABLE | ::IO::PRIORITY) ? [io] : nil
    writers = events.anybits?(::IO::WRITABLE) ? [io] : nil
    ready = ::IO.select(readers, writers, nil, timeout)
    return false unless ready

    (ready[0].empty? ? 0 : events & (::IO::READABLE | ::IO::PRIORITY)) |
      (ready[1].empty? ? 0 : events & ::IO::WRITABLE)
  end

  # Runs the block in a fiber under a new Evix::Scheduler installed in this
  # thread, with every fiber it starts, and returns the block's value once
  # all of them have finished.  The block gets the scheduler.
  #
  #   Evix.run do |scheduler|
  #     3.times { |i| Fiber.schedule { sleep 0.1; puts i } }
  #   end
  def self.run(loop = nil, backend: nil, &block)
    raise ArgumentError, "Evix.run needs a block" unless block
    if Fiber.scheduler
      raise Evix::Error, "a Fiber scheduler is already installed in this thread " \
                         "(use Fiber.schedule inside it)"
    end

    scheduler = Scheduler.new(loop, backend: backend)
    result = error = nil
    Fiber.set_scheduler(scheduler)
    begin
      scheduler.fiber do
        result = block.call(scheduler)
      rescue Exception => e # rubocop:disable Lint/RescueException
        error = e
      end
      scheduler.run
    rescue Exception # rubocop:disable Lint/RescueException
      scheduler.__send__(:abandon)
      raise
    ensure
      Fiber.set_scheduler(nil) if Fiber.scheduler.equal?(scheduler)
    end
    raise error if error

    result
  end
end
