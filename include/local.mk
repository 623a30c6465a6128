## include/local.mk - installed headers.  They go into their own directory
## (pkg-config --cflags evix) so that they never replace libev's ev.h.

evixincludedir = $(includedir)/evix
evixinclude_HEADERS = include/ev.h include/evix.h
