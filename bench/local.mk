## bench/local.mk - the benchmark suite: `make bench` builds and runs it.
##
## Benchmarks are not part of `make check` and are not built by default
## (EXTRA_PROGRAMS).  Like the tests, each libev-API program is built twice:
## bench/PROG against evix, and bench/PROG-libev against the system <ev.h>
## and -lev when configure found libev.  bench/pipe_ring_raw does the pipe
## ring on epoll with no library at all, as the floor, and bench/async_raw
## does the same for the ev_async programs.  bench/run.sh runs them
## alternately and prints the table; see bench/README.md.

BENCH_LIB = bench/benchlib.c bench/benchlib.h bench/bench_ev.h
BENCH_EVIX_CPPFLAGS = -I$(top_srcdir)/include
BENCH_EVIX_LIBS = libevix.la -lm
BENCH_LIBEV_CPPFLAGS = -DEVIX_BENCH_LIBEV
BENCH_LIBEV_LIBS = -lev -lm

BENCH_PROGS = bench/pipe_ring$(EXEEXT) bench/timers$(EXEEXT) \
	bench/loop_overhead$(EXEEXT) bench/async$(EXEEXT) \
	bench/conn_memory$(EXEEXT) bench/tcp_echo$(EXEEXT)
EXTRA_PROGRAMS += bench/pipe_ring bench/timers bench/loop_overhead \
	bench/async bench/conn_memory bench/tcp_echo

bench_pipe_ring_SOURCES = bench/pipe_ring.c $(BENCH_LIB)
bench_pipe_ring_CPPFLAGS = $(BENCH_EVIX_CPPFLAGS)
bench_pipe_ring_LDADD = $(BENCH_EVIX_LIBS)
bench_timers_SOURCES = bench/timers.c $(BENCH_LIB)
bench_timers_CPPFLAGS = $(BENCH_EVIX_CPPFLAGS)
bench_timers_LDADD = $(BENCH_EVIX_LIBS)
bench_loop_overhead_SOURCES = bench/loop_overhead.c $(BENCH_LIB)
bench_loop_overhead_CPPFLAGS = $(BENCH_EVIX_CPPFLAGS)
bench_loop_overhead_LDADD = $(BENCH_EVIX_LIBS)
# Two threads, each with a loop: pthreads.
bench_async_SOURCES = bench/async.c $(BENCH_LIB)
bench_async_CPPFLAGS = $(BENCH_EVIX_CPPFLAGS)
bench_async_CFLAGS = $(AM_CFLAGS) $(PTHREAD_CFLAGS)
bench_async_LDADD = $(BENCH_EVIX_LIBS) $(PTHREAD_LIBS)
bench_conn_memory_SOURCES = bench/conn_memory.c $(BENCH_LIB)
bench_conn_memory_CPPFLAGS = $(BENCH_EVIX_CPPFLAGS)
bench_conn_memory_LDADD = $(BENCH_EVIX_LIBS)
bench_tcp_echo_SOURCES = bench/tcp_echo.c $(BENCH_LIB)
bench_tcp_echo_CPPFLAGS = $(BENCH_EVIX_CPPFLAGS)
bench_tcp_echo_LDADD = $(BENCH_EVIX_LIBS)

if HAVE_LIBEV
BENCH_PROGS += bench/pipe_ring-libev$(EXEEXT) bench/timers-libev$(EXEEXT) \
	bench/loop_overhead-libev$(EXEEXT) bench/async-libev$(EXEEXT) \
	bench/conn_memory-libev$(EXEEXT) bench/tcp_echo-libev$(EXEEXT)
EXTRA_PROGRAMS += bench/pipe_ring-libev bench/timers-libev \
	bench/loop_overhead-libev bench/async-libev bench/conn_memory-libev \
	bench/tcp_echo-libev
bench_pipe_ring_libev_SOURCES = bench/pipe_ring.c $(BENCH_LIB)
bench_pipe_ring_libev_CPPFLAGS = $(BENCH_LIBEV_CPPFLAGS)
bench_pipe_ring_libev_LDADD = $(BENCH_LIBEV_LIBS)
bench_timers_libev_SOURCES = bench/timers.c $(BENCH_LIB)
bench_timers_libev_CPPFLAGS = $(BENCH_LIBEV_CPPFLAGS)
bench_timers_libev_LDADD = $(BENCH_LIBEV_LIBS)
bench_loop_overhead_libev_SOURCES = bench/loop_overhead.c $(BENCH_LIB)
bench_loop_overhead_libev_CPPFLAGS = $(BENCH_LIBEV_CPPFLAGS)
bench_loop_overhead_libev_LDADD = $(BENCH_LIBEV_LIBS)
bench_async_libev_SOURCES = bench/async.c $(BENCH_LIB)
bench_async_libev_CPPFLAGS = $(BENCH_LIBEV_CPPFLAGS)
bench_async_libev_CFLAGS = $(AM_CFLAGS) $(PTHREAD_CFLAGS)
bench_async_libev_LDADD = $(BENCH_LIBEV_LIBS) $(PTHREAD_LIBS)
bench_conn_memory_libev_SOURCES = bench/conn_memory.c $(BENCH_LIB)
bench_conn_memory_libev_CPPFLAGS = $(BENCH_LIBEV_CPPFLAGS)
bench_conn_memory_libev_LDADD = $(BENCH_LIBEV_LIBS)
bench_tcp_echo_libev_SOURCES = bench/tcp_echo.c $(BENCH_LIB)
bench_tcp_echo_libev_CPPFLAGS = $(BENCH_LIBEV_CPPFLAGS)
bench_tcp_echo_libev_LDADD = $(BENCH_LIBEV_LIBS)
endif

# The floors use epoll (and eventfd) directly.
if BACKEND_EPOLL
BENCH_PROGS += bench/pipe_ring_raw$(EXEEXT) bench/async_raw$(EXEEXT)
EXTRA_PROGRAMS += bench/pipe_ring_raw bench/async_raw
bench_pipe_ring_raw_SOURCES = bench/pipe_ring_raw.c $(BENCH_LIB)
bench_async_raw_SOURCES = bench/async_raw.c $(BENCH_LIB)
bench_async_raw_CFLAGS = $(AM_CFLAGS) $(PTHREAD_CFLAGS)
bench_async_raw_LDADD = $(PTHREAD_LIBS)
endif

# The Ruby scheduler benchmark's load generator: plain epoll, no library.
if BACKEND_EPOLL
EXTRA_PROGRAMS += bench/echo_load
bench_echo_load_SOURCES = bench/echo_load.c $(BENCH_LIB)
CLEANFILES += bench/echo_load$(EXEEXT)
endif

EXTRA_DIST += bench/run.sh bench/stats.awk bench/README.md bench/ruby_bench.sh \
	bench/ruby_echo_server.rb bench/ruby_sched_micro.rb
# EXTRA_PROGRAMS are not removed by `make clean` on their own.
CLEANFILES += $(BENCH_PROGS)

# The programs are always (re)built first; run.sh finds them in bench/ of
# the build tree and the script in the source tree.  BENCH_ROUNDS,
# BENCH_QUICK, BENCH_ONLY and BENCH_RESULTS pass through the environment.
bench: $(BENCH_PROGS)
	AWK='$(AWK)' $(SHELL) $(srcdir)/bench/run.sh bench

# The Ruby scheduler benchmark (bench/ruby_bench.sh): Evix::Scheduler
# against thread per connection and Async.  Needs ruby, rake and ruby-dev;
# Async comes from Debian's ruby-async and is left out when missing.
bench-ruby: bench/echo_load$(EXEEXT)
	AWK='$(AWK)' $(SHELL) $(srcdir)/bench/ruby_bench.sh bench

.PHONY: bench bench-ruby
