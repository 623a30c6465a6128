# frozen_string_literal: true

module Evix
  # Ruby-side additions to Evix::Loop (the class itself is in the C
  # extension): the shared default loop, and shortcuts that make a watcher
  # on the loop and start it.
  #
  #   loop = Evix::Loop.default
  #   loop.timer(0.1) { |t| ... }            # Evix::Timer.new(loop, 0.1) { }.start
  #   loop.io($stdin, :r) { |w, events| ... }
  #   loop.signal(:INT) { |w| loop.break }
  #   loop.run
  class Loop
    @default = nil
    @default_lock = Mutex.new

    class << self
      # The process's shared loop, made on first use (and again after it
      # was closed).  It is an ordinary Evix::Loop: it does not own SIGCHLD
      # or any other process-wide state.
      def default
        @default_lock.synchronize do
          @default = new if @default.nil? || @default.closed?
          @default
        end
      end
    end

    # Each of these makes the watcher with the given arguments and block,
    # starts it and returns it.

    def timer(after, repeat = 0, &block)
      Timer.new(self, after, repeat, &block).start
    end

    def io(io, events = :r, &block)
      IO.new(self, io, events, &block).start
    end

    def periodic(**options, &block)
      Periodic.new(self, **options, &block).start
    end

    def signal(signal, &block)
      Signal.new(self, signal, &block).start
    end

    def child(pid, &block)
      Child.new(self, pid, &block).start
    end

    def idle(&block)
      Idle.new(self, &block).start
    end

    def prepare(&block)
      Prepare.new(self, &block).start
    end

    def check(&block)
      Check.new(self, &block).start
    end

    def async(&block)
      Async.new(self, &block).start
    end

    def stat(path, interval = 0, &block)
      Stat.new(self, path, interval, &block).start
    end
  end
end
