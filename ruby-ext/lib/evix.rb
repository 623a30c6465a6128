# frozen_string_literal: true

# evix: an event loop (the evix C library, compatible with libev 4.33) with
# watchers as Ruby objects and a Fiber scheduler on top.
require_relative "evix/version"
require "evix/evix_ext"

module Evix
end
