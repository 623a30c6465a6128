# frozen_string_literal: true

require_relative "lib/evix/version"

Gem::Specification.new do |spec|
  spec.name = "evix"
  spec.version = Evix::VERSION
  spec.summary = "An event loop with watchers as Ruby objects and a Fiber scheduler"
  spec.description = <<~DESC
    evix is an event loop (a C library compatible with libev 4.33, built into
    the extension) with io, timer, signal, child and other watchers as Ruby
    objects, and Evix::Scheduler, a Fiber::Scheduler that runs plain Ruby
    code (TCPServer, sleep, Queue, Timeout, Net::HTTP) concurrently in fibers.
  DESC
  spec.authors = ["evix developers"]
  spec.license = "BSD-2-Clause"
  spec.required_ruby_version = ">= 3.1"

  # The C library's sources are copied into ext/evix/libevix by
  # `rake vendor` before `gem build`, so the gem builds on its own.
  spec.files = Dir["lib/**/*.rb", "ext/evix/*.{c,h,rb}",
                   "ext/evix/libevix/{src,include}/*.{c,h}",
                   "README.md"]
  spec.extensions = ["ext/evix/extconf.rb"]
  spec.require_paths = ["lib"]
end
