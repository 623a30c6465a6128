## t/event.mk - tests of the libevent 1.4 emulation (event.h, event_*).
## The libev twins compile against the system's event.h (libev's, from
## libev-libevent-dev) and skip themselves when it is missing.

## the event_* API: elinks' pattern, timers, pending, active, once,
## loopexit, signals, fd errors, priorities, event_init
check_PROGRAMS += t/event_emulation
TESTS += t/event_emulation
t_event_emulation_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_event_emulation_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/event_emulation-libev
TESTS += t/event_emulation-libev
t_event_emulation_libev_SOURCES = t/event_emulation.c
t_event_emulation_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_event_emulation_libev_LDADD = $(T_LIBEV_LIBS)
endif

## a program with its own event_init (like curvedns) links and works
check_PROGRAMS += t/event_own_init
TESTS += t/event_own_init
t_event_own_init_SOURCES = t/event_own_init.c t/event_own_init_def.c
t_event_own_init_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_event_own_init_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/event_own_init-libev
TESTS += t/event_own_init-libev
t_event_own_init_libev_SOURCES = t/event_own_init.c t/event_own_init_def.c
t_event_own_init_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_event_own_init_libev_LDADD = $(T_LIBEV_LIBS)
endif

## event.h against libev's: layout, constants, macros, prototypes (C, C++)
TESTS += t/event_abi.sh
EXTRA_DIST += t/event_abi.sh t/event_probe.c

## exactly the 24 event_* exports, never called from inside the library
TESTS += t/event_symbols.sh
EXTRA_DIST += t/event_symbols.sh
