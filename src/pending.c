/* pending.c - the pending queues: feeding, invoking, clearing. */
#include "pending.h"

static void
pending_dummy_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
}

void
evix__pending_init(struct ev_loop *loop)
{
  loop->pending_w.active = loop->pending_w.pending = 0;
  loop->pending_w.priority = 0;
  loop->pending_w.cb = pending_dummy_cb;
}

void
evix__pending_free(struct ev_loop *loop)
{
  int pri;
  for (pri = 0; pri < EVIX_NUMPRI; ++pri) {
    evix__free(loop->pendings[pri]);
    loop->pendings[pri] = NULL;
    loop->pendingcnt[pri] = loop->pendingmax[pri] = 0;
  }
  evix__free(loop->rfeeds);
  loop->rfeeds = NULL;
  loop->rfeedcnt = loop->rfeedmax = 0;
}

void
ev_feed_event(struct ev_loop *loop, void *w, int revents) EV_NOEXCEPT
{
  evix__feed(loop, (ev_watcher *)w, revents);
}

void
ev_invoke_pending(struct ev_loop *loop)
{
  /* The queue index is kept in the loop, so that evix__feed can move it up
   * when a callback feeds a watcher of higher priority. */
  loop->pendingpri = EVIX_NUMPRI - 1;
  for (;;) {
    int pri = loop->pendingpri;
    if (loop->pendingcnt[pri]) {
      struct evix_pending *p = &loop->pendings[pri][--loop->pendingcnt[pri]];
      ev_watcher *w = p->w;
      w->pending = 0;
      EV_CB_INVOKE(w, p->events);
    } else if (pri > 0) {
      loop->pendingpri = pri - 1;
    } else {
      break;
    }
  }
}

void
ev_invoke(struct ev_loop *loop, void *w, int revents)
{
  EV_CB_INVOKE((ev_watcher *)w, revents);
}

int
ev_clear_pending(struct ev_loop *loop, void *w) EV_NOEXCEPT
{
  ev_watcher *ew = (ev_watcher *)w;
  int events = 0;

  if (ew->pending) {
    events = loop->pendings[evix__abspri(ew)][ew->pending - 1].events;
    evix__clear_pending(loop, ew);
  }
  return events;
}

unsigned int
ev_pending_count(struct ev_loop *loop) EV_NOEXCEPT
{
  unsigned int n = 0;
  int pri;
  for (pri = 0; pri < EVIX_NUMPRI; ++pri)
    n += (unsigned int)loop->pendingcnt[pri];
  return n;
}

void
evix__queue_events(struct ev_loop *loop, ev_watcher **w, int n, int type)
{
  int i;
  for (i = 0; i < n; ++i)
    evix__feed(loop, w[i], type);
}

void
evix__feed_reverse_done(struct ev_loop *loop, int type)
{
  while (loop->rfeedcnt)
    evix__feed(loop, loop->rfeeds[--loop->rfeedcnt], type);
}
