## ruby-ext/local.mk - the Ruby gem's tests run from make check.
##
## t/ruby.sh builds the extension (with the library's sources compiled in)
## out of tree and runs ruby-ext/test/*_test.rb as TAP; the GC-stress and
## compaction variants run through small wrappers.

TESTS += t/ruby.sh t/ruby_gc_stress.sh t/ruby_compact.sh t/ruby_examples.sh \
	t/ruby_gem.sh
EXTRA_DIST += t/ruby.sh t/ruby_gc_stress.sh t/ruby_compact.sh \
	t/ruby_examples.sh t/ruby_gem.sh ruby-ext

# The whole ruby-ext directory goes into the tarball, minus build output.
dist-hook:
	rm -rf $(distdir)/ruby-ext/build $(distdir)/ruby-ext/ext/evix/libevix
	rm -f $(distdir)/ruby-ext/*.gem

clean-local: clean-ruby-ext
clean-ruby-ext:
	rm -rf ruby-ext/build
.PHONY: clean-ruby-ext
