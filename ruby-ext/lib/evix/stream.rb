# frozen_string_literal: true

require "evix/scheduler"

module Evix
  # An IO wrapper whose reads and writes wait in the scheduler instead of
  # blocking the thread, from any fiber: in a scheduled fiber they suspend
  # it; elsewhere (the main fiber, say) they run the loop until the IO is
  # ready, so the scheduled fibers go on meanwhile.
  #
  #   stream = Evix::Stream.new(socket)
  #   stream.write("ping\n")
  #   line = stream.gets
  class Stream
    CHUNK = 16 * 1024

    attr_reader :io

    # io: an IO (or anything with #to_io) that supports read_nonblock and
    # write_nonblock.  scheduler: the Evix::Scheduler to wait in (default:
    # the current thread's, when it is one).
    def initialize(io, scheduler: nil)
      raise TypeError, "#{io.class} is not an IO" unless io.respond_to?(:to_io)

      @io = io
      @scheduler = scheduler
      @buffer = String.new(encoding: Encoding::BINARY)
    end

    def to_io
      @io.to_io
    end

    def closed?
      @io.closed?
    end

    def close
      @io.close unless @io.closed?
      nil
    end

    def close_write
      @io.close_write
      nil
    end

    # Reads up to maxlen bytes, waiting only if none are available; raises
    # EOFError at end of file.
    def readpartial(maxlen, outbuf = nil)
      data = read_some(maxlen)
      raise EOFError, "end of file reached" unless data

      outbuf ? outbuf.replace(data) : data
    end

    # read(nil): everything up to end of file (a String, maybe empty).
    # read(n): n bytes, fewer at end of file, nil at end of file.
    def read(length = nil, outbuf = nil)
      data = String.new(encoding: Encoding::BINARY)
      while length.nil? || data.bytesize < length
        chunk = read_some(length ? length - data.bytesize : CHUNK)
        break unless chunk

        data << chunk
      end
      return nil if length&.positive? && data.empty?

      outbuf ? outbuf.replace(data) : data
    end

    # The next line (ending with sep), the rest at end of file, or nil.
    def gets(sep = $/)
      return read if sep.nil?

      sep = sep.b
      until (index = @buffer.index(sep))
        chunk = read_some(CHUNK, buffered: false)
        unless chunk
          return nil if @buffer.empty?

          line = @buffer
          @buffer = String.new(encoding: Encoding::BINARY)
          return line
        end
        @buffer << chunk
      end
      @buffer.slice!(0, index + sep.bytesize)
    end

    # Writes every string completely; returns the number of bytes.
    def write(*strings)
      strings.sum { |s| write_all(s.to_s) }
    end

    def <<(string)
      write(string)
      self
    end

    def puts(*lines)
      lines = [""] if lines.empty?
      write(*lines.map { |l| l.to_s.end_with?("\n") ? l.to_s : "#{l}\n" })
      nil
    end

    def flush
      self
    end

    def wait_readable(timeout = nil)
      Evix.wait_io(@io, ::IO::READABLE, timeout, scheduler: @scheduler) ? self : nil
    end

    def wait_writable(timeout = nil)
      Evix.wait_io(@io, ::IO::WRITABLE, timeout, scheduler: @scheduler) ? self : nil
    end

    private

    def read_some(maxlen, buffered: true)
      if buffered && !@buffer.empty?
        return @buffer.slice!(0, maxlen)
      end

      loop do
        data = @io.read_nonblock(maxlen, exception: false)
        return data unless data == :wait_readable

        wait_readable
      end
    end

    def write_all(string)
      string = string.b
      total = string.bytesize
      until string.empty?
        n = @io.write_nonblock(string, exception: false)
        if n == :wait_writable
          wait_writable
        else
          string = string.byteslice(n, string.bytesize - n)
        end
      end
      total
    end
  end
end
