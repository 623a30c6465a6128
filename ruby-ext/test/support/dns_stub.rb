# frozen_string_literal: true

require "socket"

# A tiny DNS server on 127.0.0.1 (UDP) for the resolution tests.  It runs
# on its own thread, answers A queries for the names it knows after
# `delay` seconds, and says NXDOMAIN for the others.  Only what the tests
# need: one question per query, A records.
class DnsStub
  attr_reader :port, :queries

  def initialize(records, delay: 0)
    @records = records.transform_keys { |k| k.downcase.chomp(".") }
    @delay = delay
    @queries = Queue.new
    @socket = UDPSocket.new
    @socket.bind("127.0.0.1", 0)
    @port = @socket.addr[1]
    @thread = Thread.new { serve }
    @thread.report_on_exception = false
  end

  def close
    @thread.kill
    @thread.join(1)
    @socket.close
  end

  private

  def serve
    loop do
      packet, peer = @socket.recvfrom(512)
      name, question_end = parse_question(packet)
      next unless name

      @queries << name
      # Each answer is delayed on its own thread, so that queries overlap.
      Thread.new(packet, peer, name, question_end) do |p, addr, n, qend|
        sleep @delay if @delay.positive?
        @socket.send(answer(p, n, qend), 0, addr[3], addr[1])
      rescue IOError, SystemCallError
        nil
      end
    end
  rescue IOError
    nil
  end

  # -> [name, offset just past the question]
  def parse_question(packet)
    return nil if packet.bytesize < 12

    pos = 12
    labels = []
    while (len = packet.getbyte(pos)) && len.positive?
      labels << packet.byteslice(pos + 1, len)
      pos += 1 + len
    end
    [labels.join(".").downcase, pos + 5] # zero byte, qtype, qclass
  end

  def answer(query, name, question_end)
    id = query.byteslice(0, 2)
    qtype = query.byteslice(question_end - 4, 2).unpack1("n")
    addresses = @records[name]
    flags = addresses ? 0x8180 : 0x8183 # response, recursion; NXDOMAIN if unknown
    answers = qtype == 1 && addresses ? Array(addresses) : []
    header = id + [flags, 1, answers.size, 0, 0].pack("n5")
    body = query.byteslice(12, question_end - 12)
    answers.each do |ip|
      body += [0xC00C, 1, 1, 60, 4].pack("n3Nn") + ip.split(".").map(&:to_i).pack("C4")
    end
    header + body
  end
end
