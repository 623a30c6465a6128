# frozen_string_literal: true

# Shared setup of the evix test suite.
#
#   EVIX_TEST_BACKENDS=epoll,poll   only these backends (default: all)
#   GC_STRESS=1                     GC.stress = true around each test
#   EVIX_COMPACT=1                  compact the heap before every test and
#                                   verify references (GC.compact)
#   EVIX_TAP=1                      report as TAP (for make check)
require "minitest/autorun"
require "evix"

if ENV["EVIX_TAP"]
  # One TAP line per test, named after the class and the test, with the
  # backend in brackets: "ok 3 - LoopTest timer fires once [epoll]".
  class EvixTapReporter < Minitest::AbstractReporter
    def initialize(io = $stdout)
      super()
      @io = io
      @n = 0
    end

    def record(result)
      @n += 1
      name = result.name.sub(/\Atest_/, "")
      backend = name[/__(\w+)\z/, 1]
      name = name.sub(/__\w+\z/, "").tr("_", " ")
      label = "#{result.klass} #{name}#{backend ? " [#{backend}]" : ""}"
      if result.skipped?
        @io.puts "ok #{@n} - #{label} # SKIP #{result.failure.message.lines.first&.chomp}"
      elsif result.passed?
        @io.puts "ok #{@n} - #{label}"
      else
        @io.puts "not ok #{@n} - #{label}"
        result.failures.each do |f|
          f.message.each_line { |l| @io.puts "# #{l.chomp}" }
          (f.backtrace || []).first(8).each { |l| @io.puts "#   #{l}" }
        end
      end
      @io.flush
    end

    def report
      @io.puts "1..#{@n}"
    end
  end

  module Minitest
    def self.plugin_evix_tap_init(_options)
      reporter.reporters.clear
      reporter << EvixTapReporter.new
    end
  end
  Minitest.extensions << "evix_tap"
end

module EvixTest
  def self.backends
    all = Evix::Loop.supported_backends
    wanted = ENV["EVIX_TEST_BACKENDS"]&.split(",")&.map(&:to_sym)
    wanted ? all & wanted : all
  end

  # Defines one copy of each test method per backend, named after it:
  # test_fires__epoll, test_fires__poll, ...  Inside, #backend is the
  # backend and #new_loop makes a loop on it.
  module PerBackend
    def self.included(base)
      base.extend(ClassMethods)
    end

    module ClassMethods
      def each_backend_test(name, &body)
        EvixTest.backends.each do |b|
          define_method(:"test_#{name}__#{b}") do
            @backend = b
            instance_exec(&body)
          end
        end
      end
    end

    attr_reader :backend

    def new_loop
      loop = Evix::Loop.new(backend: backend)
      (@loops ||= []) << loop
      loop
    end

    # Runs the loop once at a time until the block is true or `seconds`
    # pass; every wait in the suite is bounded.
    def run_until(loop, seconds = 5)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
      guard = Evix::Timer.new(loop, seconds) {}
      guard.start
      until yield
        raise "timed out after #{seconds}s" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
        loop.run(:once)
      end
    ensure
      guard&.stop
    end

    def teardown
      (@loops || []).each { |l| l.close unless l.closed? }
      super
    end
  end
end

if ENV["GC_STRESS"]
  module EvixTest::Stress
    def before_setup
      super
      GC.stress = true
    end

    def after_teardown
      GC.stress = false
      super
    end
  end
  Minitest::Test.prepend(EvixTest::Stress)
end

if ENV["EVIX_COMPACT"]
  module EvixTest::Compact
    def before_setup
      super
      begin
        GC.verify_compaction_references(double_heap: true, toward: :empty)
      rescue NotImplementedError, ArgumentError
        GC.compact
      end
    end
  end
  Minitest::Test.prepend(EvixTest::Compact)
end
