## t/stat.mk - TAP tests of ev_stat, built against evix and, when the
## system libev is installed, against libev as well (the -libev twin).

check_PROGRAMS += t/stat_watch
TESTS += t/stat_watch
t_stat_watch_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_stat_watch_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/stat_watch-libev
TESTS += t/stat_watch-libev
t_stat_watch_libev_SOURCES = t/stat_watch.c
t_stat_watch_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_stat_watch_libev_LDADD = $(T_LIBEV_LIBS)
endif

check_PROGRAMS += t/stat_fork
TESTS += t/stat_fork
t_stat_fork_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_stat_fork_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/stat_fork-libev
TESTS += t/stat_fork-libev
t_stat_fork_libev_SOURCES = t/stat_fork.c
t_stat_fork_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_stat_fork_libev_LDADD = $(T_LIBEV_LIBS)
endif
