#!/bin/sh
# ruby_compact.sh - the Ruby gem's tests with RUBY_TEST_MODE=compact.
RUBY_TEST_MODE=compact
export RUBY_TEST_MODE
exec ${SHELL:-/bin/sh} "${top_srcdir:-.}/t/ruby.sh"
