## src/local.mk - libevix.

lib_LTLIBRARIES += libevix.la

libevix_la_SOURCES = \
	src/evix-internal.h \
	src/backend.h \
	src/heap.h \
	src/pending.h \
	src/watcher.h \
	src/alloc.c \
	src/async.c \
	src/child.c \
	src/embed.c \
	src/error.c \
	src/fork_cleanup.c \
	src/idle.c \
	src/io.c \
	src/loop.c \
	src/once.c \
	src/pending.c \
	src/periodic.c \
	src/prepare_check.c \
	src/run.c \
	src/signal.c \
	src/time.c \
	src/timer.c \
	src/verify.c \
	src/version.c \
	src/wakeup.c

if BACKEND_KQUEUE
libevix_la_SOURCES += src/backend_kqueue.c
endif
if KQUEUE_EMULATION
# Test builds only (configure --enable-kqueue-emulation): kqueue on poll(2).
libevix_la_SOURCES += t/kqueue/kqueue_emul.c t/kqueue/sys/event.h
EVIX_KQUEUE_CPPFLAGS = -I$(top_srcdir)/t/kqueue
install-exec-local:
	@echo "refusing to install: this libevix was built with the kqueue" \
	  "test emulation (--enable-kqueue-emulation)" >&2; exit 1
else
EVIX_KQUEUE_CPPFLAGS =
endif
if BACKEND_IOURING
libevix_la_SOURCES += src/backend_iouring.c src/iouring_sys.h
endif
if BACKEND_EPOLL
libevix_la_SOURCES += src/backend_epoll.c
endif
if BACKEND_POLL
libevix_la_SOURCES += src/backend_poll.c
endif
if BACKEND_SELECT
libevix_la_SOURCES += src/backend_select.c
endif

libevix_la_CPPFLAGS = -I$(top_srcdir)/include -I$(top_builddir)/src \
	$(EVIX_KQUEUE_CPPFLAGS)
# Watchers are accessed through their common head (ev_watcher *) as well
# as their own type, which type-based alias analysis must not reorder.
libevix_la_CFLAGS = $(AM_CFLAGS) $(EVIX_VISIBILITY_CFLAGS) -fno-strict-aliasing
libevix_la_LDFLAGS = -version-info $(EVIX_LT_VERSION) -no-undefined

## Binary drop-in: an existing program linked against libev.so.4 runs on
## evix with LD_LIBRARY_PATH=$(pkg-config --variable=libev_compat_dir evix).
## That directory holds only libev.so.4, a link to libevix's shared object.
evixcompatdir = $(libdir)/evix
install-exec-hook:
	@dlname=`sed -n "s/^dlname='\(.*\)'/\1/p" libevix.la`; \
	if test -n "$$dlname"; then \
	  $(MKDIR_P) "$(DESTDIR)$(evixcompatdir)" && \
	  cd "$(DESTDIR)$(evixcompatdir)" && rm -f libev.so.4 && \
	  echo " $(LN_S) ../$$dlname $(evixcompatdir)/libev.so.4" && \
	  $(LN_S) "../$$dlname" libev.so.4; \
	fi
uninstall-hook:
	rm -f "$(DESTDIR)$(evixcompatdir)/libev.so.4"
	-rmdir "$(DESTDIR)$(evixcompatdir)" 2>/dev/null
