## examples/local.mk - the example programs.
##
## examples/echo_server.c is a TCP echo server written only against the
## libev API; it is linked with evix here.  examples/echo_client.c is the
## scripted client that checks it: plain POSIX code, so that it does not
## depend on the event loop it judges.  "make run-examples" builds both and
## runs examples/run.sh; t/examples.sh runs the same checks from
## "make check", on every backend, and against the system libev too.

noinst_PROGRAMS += examples/echo_server examples/echo_client

examples_echo_server_SOURCES = examples/echo_server.c
examples_echo_server_CPPFLAGS = -I$(top_srcdir)/include
examples_echo_server_LDADD = libevix.la

examples_echo_client_SOURCES = examples/echo_client.c

if HAVE_LIBEV
# The same server source built against the system <ev.h> and -lev: it
# proves the example is an ordinary libev program, and t/examples.sh holds
# both servers to the same checks.
check_PROGRAMS += examples/echo_server-libev
examples_echo_server_libev_SOURCES = examples/echo_server.c
examples_echo_server_libev_LDADD = -lev
endif

TESTS += t/examples.sh
EXTRA_DIST += examples/README.md examples/run.sh t/examples.sh \
	examples/echo_server.rb examples/http_fetch.rb examples/run_ruby.sh

# Builds the examples and runs them once, end to end (about two seconds).
run-examples: examples/echo_server$(EXEEXT) examples/echo_client$(EXEEXT)
	$(SHELL) $(top_srcdir)/examples/run.sh $(top_builddir)/examples
# The Ruby examples (echo server and HTTP fetcher under Evix::Scheduler).
run-ruby-examples:
	$(SHELL) $(top_srcdir)/examples/run_ruby.sh
.PHONY: run-examples run-ruby-examples
