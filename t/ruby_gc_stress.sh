#!/bin/sh
# ruby_gc_stress.sh - the Ruby gem's tests with RUBY_TEST_MODE=gc-stress.
RUBY_TEST_MODE=gc-stress
export RUBY_TEST_MODE
exec ${SHELL:-/bin/sh} "${top_srcdir:-.}/t/ruby.sh"
