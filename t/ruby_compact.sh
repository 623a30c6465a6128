#!/bin/sh
# ruby_compact.sh - the Ruby gem's tests with RUBY_TEST_MODE=compact.
RUBY_TEST_MODE=compact
export RUBY_TEST_MODE
# GC safety does not depend on the backend: one backend keeps this mode
# (GC.stress is slow) within minutes; the plain run covers every backend.
EVIX_TEST_BACKENDS=${EVIX_TEST_BACKENDS:-epoll}
export EVIX_TEST_BACKENDS
exec ${SHELL:-/bin/sh} "${top_srcdir:-.}/t/ruby.sh"
