# frozen_string_literal: true

require "test_helper"
require "tmpdir"
require "fileutils"
require "pathname"

# Evix::Stat beyond what every watcher does (watcher_common_test.rb).
class WatcherStatTest < Minitest::Test
  include EvixTest::PerBackend

  # One directory for the whole run, made once (Dir.mktmpdir and
  # FileUtils.rm_rf allocate a lot, which GC_STRESS makes slow).
  def self.dir
    @dir ||= Dir.mktmpdir("evix-stat").tap { |d| Minitest.after_run { FileUtils.rm_rf(d) } }
  end

  def setup
    super
    @dir = File.join(self.class.dir, name)
    Dir.mkdir(@dir)
    @path = File.join(@dir, "f")
  end

  def teardown
    super
    Dir.each_child(@dir) { |f| File.unlink(File.join(@dir, f)) }
    Dir.rmdir(@dir)
  end

  each_backend_test(:changes_and_refresh) do
    loop = new_loop
    File.write(@path, "1")
    seen = []
    s = Evix::Stat.new(loop, @path) do |w, events|
      was = w.prev
      now = w.attr
      seen << [events, was.nlink, was.size, now.nlink, now.size, w.exist?]
    end
    s.start
    assert_kind_of File::Stat, s.attr
    assert_equal [1, 1], [s.attr.size, s.attr.nlink]
    assert_equal File.stat(@path).ino, s.attr.ino

    File.write(@path, "12345", mode: "a")
    run_until(loop) { seen.size >= 1 }
    assert_equal [Evix::STAT, 1, 1, 1, 6, true], seen.last

    File.unlink(@path)
    run_until(loop) { seen.last[3].zero? }
    assert_equal [Evix::STAT, 1, 6, 0, 0, false], seen.last, "missing: nlink 0"

    File.write(@path, "ab")
    run_until(loop) { seen.last[3] == 1 }
    assert_equal [Evix::STAT, 0, 0, 1, 2, true], seen.last

    # #path, #interval and #stat (a refresh).
    other = "#{@path}2"
    s = Evix::Stat.new(loop, Pathname.new(other), 0.2) {}
    assert_equal other, s.path
    assert s.path.frozen?
    assert_in_delta 0.2, s.interval, 0.1
    s.start
    refute s.exist?, "not there yet"
    File.write(other, "abc")
    st = s.stat
    assert_equal 3, st.size
    assert s.exist?
    assert_equal 3, s.attr.size
  end

  def test_argument_checks
    loop = Evix::Loop.new
    assert_raises(TypeError) { Evix::Stat.new(loop, 42) {} }
    assert_raises(ArgumentError) { Evix::Stat.new(loop, "a\0b") {} }
    assert_raises(ArgumentError) { Evix::Stat.new(loop, @path, -1) {} }
    assert_raises(TypeError) { Evix::Stat.new(loop, @path, "1") {} }
    s = Evix::Stat.new(loop, @path) {}
    s.start
    assert_raises(RuntimeError) { s.set(@dir) }
    s.stop
    s.set(@dir, 1)
    assert_equal [@dir, 1.0], [s.path, s.interval]
  ensure
    loop&.close
  end
end
