# frozen_string_literal: true

require "test_helper"
require_relative "support/scheduler_helper"
require "io/nonblock"
require "io/wait"
require "socket"
require "tempfile"

# Evix::Scheduler's io hooks: io_wait, io_read/io_write (and their length
# contract), io_pread/io_pwrite, io_select, on pipes, sockets and files.
class SchedulerIoTest < Minitest::Test
  include EvixTest::PerBackend
  include SchedulerHelper

  EAGAIN = -Errno::EAGAIN::Errno

  each_backend_test(:io_wait_without_timeout) do
    in_scheduler do
      r, w = IO.pipe
      t0 = now
      Fiber.schedule { sleep 0.02; w.write("x") }
      assert_same r, r.wait_readable
      assert_operator now - t0, :>=, 0.015
      assert w.wait_writable
    end
  end

  each_backend_test(:io_wait_with_timeout) do
    in_scheduler do |s|
      r, w = IO.pipe
      t0 = now
      assert_nil r.wait_readable(0.05), "IO#wait_readable returns nil at its timeout"
      assert_operator now - t0, :>=, 0.05
      assert_equal false, s.io_wait(r, IO::READABLE, 0.02)
      assert_equal false, s.io_wait(r, IO::READABLE, 0), "timeout 0: a check without waiting"
      w.write("y")
      assert_equal IO::READABLE, s.io_wait(r, IO::READABLE, 0)
      assert_equal IO::READABLE, s.io_wait(r, IO::READABLE, 1)
      assert_equal IO::WRITABLE, s.io_wait(w, IO::WRITABLE | IO::READABLE, nil),
                   "the events that are ready, among those asked for"
      assert_raises(ArgumentError) { s.io_wait(r, 0, nil) }
      assert_raises(TypeError) { s.io_wait(r, IO::READABLE, "soon") }
      r.close
      assert_raises(IOError) { s.io_wait(r, IO::READABLE, nil) }
    end
  end

  each_backend_test(:many_waiters_on_one_fd) do
    in_scheduler do
      a, b = UNIXSocket.pair
      got = []
      # Two readers on one socket: each message wakes someone, nobody is
      # lost.
      2.times { |i| Fiber.schedule { got << [i, a.readpartial(1)] } }
      b.write("1")
      sleep 0.01
      b.write("2")
      sleep 0.01
      assert_equal %w[1 2], got.map(&:last).sort
      assert_equal [0, 1], got.map(&:first).sort

      # A reader and a writer on the same socket while its send buffer is
      # full.
      filled = 0
      while a.write_nonblock("x" * 65_536, exception: false) != :wait_writable
        filled += 1
      end
      read_back = nil
      Fiber.schedule { read_back = a.readpartial(10) }
      wrote = false
      Fiber.schedule { a.write("more"); wrote = true }
      refute wrote, "the send buffer is full"
      b.write("hello")
      sleep 0.01
      assert_equal "hello", read_back
      drained = 0
      drained += b.readpartial(65_536).bytesize until wrote
      assert_operator drained, :>=, filled * 65_536 / 2
      assert wrote, "the writer got through once the peer read"
    end
  end

  each_backend_test(:pipes_carry_everything) do
    size = scale(1 << 20, 64 << 10)
    data = payload(size, 3)
    got = nil
    in_scheduler do
      r, w = IO.pipe
      r.binmode
      Fiber.schedule do
        (0...size).step(7919) { |at| w.write(data.byteslice(at, 7919)) }
        w.close
      end
      got = r.read
    end
    assert_equal data.bytesize, got.bytesize
    assert data == got, "the data came through intact"
  end

  each_backend_test(:sockets_carry_everything) do
    size = scale(512 << 10, 32 << 10)
    data = payload(size, 5)
    in_scheduler do
      server = TCPServer.new("127.0.0.1", 0)
      echo = Fiber.schedule do
        c = server.accept
        while (chunk = c.readpartial(16_384) rescue nil)
          c.write(chunk)
        end
        c.close
      end
      s = TCPSocket.new("127.0.0.1", server.addr[1])
      s.binmode
      Fiber.schedule { s.write(data); s.close_write }
      assert s.read == data, "echoed intact"
      sleep 0.01
      refute echo.alive?
      s.close
      server.close

      u1, u2 = UNIXSocket.pair
      u2.binmode
      Fiber.schedule { u1.write(data); u1.close }
      assert u2.read == data, "intact over a UNIX socket"
    end
  end

  each_backend_test(:regular_files) do
    data = payload(scale(300_000, 20_000), 9)
    Tempfile.create("evix") do |tmp|
      in_scheduler do |s|
        ticks = 0
        ticker = Fiber.schedule { loop { sleep 0.005; ticks += 1 } }
        File.open(tmp.path, "wb") { |f| f.write(data) }
        assert File.binread(tmp.path) == data, "file written intact"
        File.open(tmp.path, "rb") do |f|
          # epoll refuses regular files (EPERM): they are always ready on
          # every backend.
          assert_equal IO::READABLE, s.io_wait(f, IO::READABLE, nil)
          assert_same f, f.wait_readable(1)
          assert_equal data.byteslice(0, 1000), f.read(1000)
          f.seek(-10, IO::SEEK_END)
          assert_equal data.byteslice(-10, 10), f.readpartial(100)
        end
        s.fiber_interrupt(ticker, StopIteration)
        assert_operator ticks, :>=, 0
      end
    end
  end

  each_backend_test(:io_read_and_io_write_length_contract) do
    in_scheduler do |s|
      r, w = IO.pipe
      buf = quietly_experimental { IO::Buffer.new(8) }
      assert_equal EAGAIN, s.io_read(r, buf, 0), "length 0 tries once"
      w.write("abc")
      assert_equal 3, s.io_read(r, buf, 0)
      assert_equal "abc", buf.get_string(0, 3)
      t0 = now
      Fiber.schedule { sleep 0.01; w.write("de"); sleep 0.01; w.write("fgh") }
      assert_equal 5, s.io_read(r, buf, 5), "waits until at least length bytes came"
      assert_operator now - t0, :>=, 0.015
      assert_equal "defgh", buf.get_string(0, 5)
      w.write("xyz")
      assert_equal 3, s.io_read(r, buf, 3, 5), "Ruby 3.2's fourth argument: an offset into the buffer"
      assert_equal "defghxyz", buf.get_string(0, 8)

      out = IO::Buffer.for("hello".dup)
      assert_equal 5, s.io_write(w, out, 5)
      assert_equal 3, s.io_write(w, out, 3, 2)
      assert_equal "hellollo", r.readpartial(100)

      w.write("12")
      w.close
      assert_equal 2, s.io_read(r, buf, 8), "end of file: what came before it"
      assert_equal 0, s.io_read(r, buf, 8)
      _r2, w2 = IO.pipe
      assert_equal(-Errno::EBADF::Errno, s.io_read(w2, buf, 0), "errors come back as -errno")
      assert_raises(ArgumentError) { s.io_read(r, buf, 9) }
      assert_raises(ArgumentError) { s.io_read(r, buf, 1, 8) }
      assert_raises(IOError) { s.io_write(w, out, 1) }
    end
  end

  each_backend_test(:blocking_fds_do_not_block_the_loop) do
    in_scheduler do
      r, w = IO.pipe
      r.binmode
      r.nonblock = false
      w.nonblock = false
      ticks = 0
      # The data comes only after the other fiber ran five times: a read
      # that blocked the thread would never end.
      Fiber.schedule { 5.times { sleep 0.002; ticks += 1 }; w.write("late") }
      assert_equal "late", r.read(4)
      assert_equal 5, ticks
      refute r.nonblock?, "the fd's mode is left as it was"
      big = payload(scale(200_000, 20_000), 1)
      Fiber.schedule { w.write(big); w.close }
      assert r.read == big, "big write through a blocking pipe"
      refute w.nonblock? unless w.closed?
    end
  end

  each_backend_test(:io_buffer_read_write_pread_pwrite) do
    Tempfile.create("evix") do |tmp|
      in_scheduler do |s|
        quietly_experimental do
          File.open(tmp.path, "w+b") do |f|
            buf = IO::Buffer.for("0123456789".dup)
            assert_equal 10, buf.write(f, 10)
            assert_equal 4, buf.pwrite(f, 4, 20)
            f.flush
            got = IO::Buffer.new(4)
            assert_equal 4, got.pread(f, 4, 20)
            assert_equal "0123", got.get_string
            f.rewind
            assert_equal 4, got.read(f, 4)
            assert_equal "0123", got.get_string
            assert_equal "0123456789#{"\0" * 10}0123".b, File.binread(tmp.path)

            # The scheduler's positional transfers, in both argument forms.
            big = IO::Buffer.new(6)
            assert_equal 3, s.pread_buffer(f, big, 3, 5), "Ruby 3.1's (length, file offset)"
            assert_equal "567", big.get_string(0, 3)
            assert_equal 2, s.pread_buffer(f, big, 20, 2, 4), "(file offset, length, buffer offset)"
            assert_equal "01", big.get_string(4, 2)
            assert_equal 2, s.pwrite_buffer(f, IO::Buffer.for("ab".dup), 2, 30)
            assert_equal 1, s.pwrite_buffer(f, IO::Buffer.for("xyz".dup), 31, 1, 2)
            assert_equal "az", File.binread(tmp.path, 2, 30)
            assert_equal 0, s.pread_buffer(f, big, 6, 1000), "end of file"
            r, _w = IO.pipe
            assert_equal(-Errno::ESPIPE::Errno, s.pread_buffer(r, big, 1, 0))
          end
          r, w = IO.pipe
          Fiber.schedule { sleep 0.01; w.write("ab"); sleep 0.01; w.write("cd") }
          got = IO::Buffer.new(4)
          assert_equal 4, got.read(r, 4), "IO::Buffer#read waits for the whole length"
          assert_equal "abcd", got.get_string
        end
      end
    end
  end

  each_backend_test(:io_select_hook) do
    in_scheduler do |s|
      r, w = IO.pipe
      r2, w2 = IO.pipe
      assert_equal [[], [w], []], s.io_select([r], [w], nil, 1)
      assert_nil s.io_select([r, r2], nil, nil, 0.02)
      Fiber.schedule { sleep 0.01; w2.write("!") }
      assert_equal [[r2], [], []], s.io_select([r, r2], [], [], 2)
      w.write("line1\nline2\n")
      assert_equal "line1\n", r.gets
      # line2 sits in r's read buffer: r is readable although the pipe is
      # empty.
      assert_equal [[r], [], []], s.io_select([r], nil, nil, 0)
      t0 = now
      assert_nil s.io_select(nil, nil, nil, 0.02)
      assert_operator now - t0, :>=, 0.02
      r2.close
      assert_raises(IOError) { s.io_select([r2], nil, nil, 0) }
    end
  end

  each_backend_test(:concurrent_puts_to_one_pipe) do
    n = scale(50, 5)
    nwriters = scale(4, 2)
    got = nil
    in_scheduler do
      r, w = IO.pipe
      reader = Fiber.schedule { got = r.read }
      writers = Array.new(nwriters) do |k|
        Fiber.schedule { n.times { |i| w.puts("#{k}:#{i}:#{'x' * 2000}") } }
      end
      sleep 0.01 while writers.any?(&:alive?)
      w.close
      sleep 0.01 while reader.alive?
    end
    lines = got.lines
    assert_equal nwriters * n, lines.size
    nwriters.times { |k| assert_equal n, lines.count { |l| l.start_with?("#{k}:") } }
    assert(lines.all? { |l| l.end_with?("x\n") }, "no line was cut by another")
  end
end
