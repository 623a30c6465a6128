# frozen_string_literal: true

# evix: an event loop (the evix C library, compatible with libev 4.33) with
# watchers as Ruby objects and a Fiber scheduler on top.
#
#   loop = Evix::Loop.new
#   Evix::Timer.new(loop, 0.5) { |t| puts "half a second later" }.start
#   loop.timer(1) { puts "a second later" }    # made and started
#   loop.run
require_relative "evix/version"
require "evix/evix_ext"
require_relative "evix/loop"

# The Fiber scheduler: Evix::Scheduler and the module functions Evix.run
# and Evix.wait_io, which autoload cannot provide.
require_relative "evix/scheduler"

module Evix
  # The conveniences on top of the scheduler, loaded on first use.
  autoload :Stream, "evix/stream"
  autoload :TCPServer, "evix/tcp"
  autoload :TCPClient, "evix/tcp"
end
