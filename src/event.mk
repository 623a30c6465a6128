## src/event.mk - the libevent 1.4 emulation: the event_* functions and
## their header, installed next to ev.h.

libevix_la_SOURCES += \
	src/event-internal.h \
	src/event.c \
	src/event_init.c

evixinclude_HEADERS += include/event.h
