## src/stat.mk - ev_stat (inotify with a polling fallback).

libevix_la_SOURCES += src/stat.h src/stat.c
