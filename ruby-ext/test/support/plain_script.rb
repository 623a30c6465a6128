# frozen_string_literal: true

# Plain Ruby under Evix::Scheduler, run by scheduler_net_test.rb as its own
# process: `ruby plain_script.rb BACKEND`.  Nothing here knows about evix
# except the line that installs the scheduler; the fibers run when the main
# thread ends, as with any Fiber scheduler.
require "evix"
require "evix/scheduler"
require "socket"
require "timeout"

$stdout.sync = true
Fiber.set_scheduler(Evix::Scheduler.new(backend: ARGV.fetch(0).to_sym))

server = TCPServer.new("127.0.0.1", 0)
port = server.addr[1]
Fiber.schedule do
  3.times do
    client = server.accept
    Fiber.schedule do
      client.puts(client.gets.upcase)
      client.close
    end
  end
  server.close
end

3.times do |i|
  Fiber.schedule do
    socket = TCPSocket.new("127.0.0.1", port)
    socket.puts("hello #{i}")
    puts "echo: #{socket.gets.chomp}"
    socket.close
  end
end

queue = Queue.new
Fiber.schedule { puts "queue: #{Array.new(3) { queue.pop }.join(' ')}" }
Fiber.schedule { [1, 2, 3].each { |v| sleep 0.01; queue << v } }

Fiber.schedule { sleep 0.05; puts "sleep: done" }

Fiber.schedule do
  Timeout.timeout(0.02) { sleep 5 }
rescue Timeout::Error => e
  puts "timeout: #{e.class}"
end

mutex = Mutex.new
count = 0
done = 0
5.times do
  Fiber.schedule do
    mutex.synchronize { v = count; sleep 0.001; count = v + 1 }
    done += 1
    puts "mutex: #{count}" if done == 5
  end
end

Fiber.schedule { puts "scheduler: #{Fiber.scheduler.class}" }
