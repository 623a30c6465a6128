/* backend_select.c - select(2), the last resort.
 *
 * The fd sets are plain bit arrays that grow with the highest fd, instead
 * of fixed fd_set structures, so descriptors above FD_SETSIZE work (the
 * Linux kernel takes any size).  select() overwrites its arguments, so the
 * wanted sets are copied into output sets before every call.  A closed
 * descriptor makes the whole call fail with EBADF; the loop then finds the
 * culprits with fcntl() and gives their watchers EV_ERROR.
 */
#include "backend.h"

#include <errno.h>
#include <string.h>
#include <sys/select.h>

typedef unsigned long select_word;
#define WORD_BITS ((int)(8 * sizeof(select_word)))

struct select_state {
  select_word *rwant, *wwant; /* what the loop wants */
  select_word *rgot, *wgot;   /* what select() reported */
  int words;                  /* size of each array */
  int maxfd;                  /* highest fd ever registered, or -1 */
};

static int
select_init(struct ev_loop *loop)
{
  struct select_state *st = evix__realloc(NULL, (long)sizeof *st);
  memset(st, 0, sizeof *st);
  st->maxfd = -1;
  loop->backend_state = st;
  return 0;
}

static void
select_destroy(struct ev_loop *loop)
{
  struct select_state *st = loop->backend_state;
  evix__free(st->rwant);
  evix__free(st->wwant);
  evix__free(st->rgot);
  evix__free(st->wgot);
  evix__free(st);
  loop->backend_state = NULL;
}

static select_word *
grow_set(select_word *set, int old, int words)
{
  set = evix__realloc(set, (long)(sizeof *set * (size_t)words));
  memset(set + old, 0, sizeof *set * (size_t)(words - old));
  return set;
}

static void
select_modify(struct ev_loop *loop, int fd, int oev, int nev)
{
  struct select_state *st = loop->backend_state;
  int word = fd / WORD_BITS;
  select_word bit = (select_word)1 << (fd % WORD_BITS);

  (void)oev;
  if (word >= st->words) {
    int words = st->words ? st->words : 1;
    while (words <= word)
      words *= 2;
    st->rwant = grow_set(st->rwant, st->words, words);
    st->wwant = grow_set(st->wwant, st->words, words);
    st->rgot = grow_set(st->rgot, st->words, words);
    st->wgot = grow_set(st->wgot, st->words, words);
    st->words = words;
  }
  if (fd > st->maxfd)
    st->maxfd = fd;

  if (nev & EV_READ)
    st->rwant[word] |= bit;
  else
    st->rwant[word] &= ~bit;
  if (nev & EV_WRITE)
    st->wwant[word] |= bit;
  else
    st->wwant[word] &= ~bit;
}

static int
select_wait(struct ev_loop *loop, ev_tstamp timeout)
{
  struct select_state *st = loop->backend_state;
  struct timeval tv;
  size_t bytes = sizeof(select_word) * (size_t)(st->maxfd / WORD_BITS + 1);

  if (st->maxfd >= 0) {
    memcpy(st->rgot, st->rwant, bytes);
    memcpy(st->wgot, st->wwant, bytes);
  }
  if (timeout > 1e8)
    timeout = 1e8;
  tv.tv_sec = (time_t)timeout;
  tv.tv_usec = (suseconds_t)((timeout - (ev_tstamp)tv.tv_sec) * 1e6 + 0.999);
  if (tv.tv_usec >= 1000000) {
    ++tv.tv_sec;
    tv.tv_usec -= 1000000;
  }
  return select(st->maxfd + 1, st->maxfd >= 0 ? (fd_set *)st->rgot : NULL,
                st->maxfd >= 0 ? (fd_set *)st->wgot : NULL, NULL, &tv);
}

static void
select_collect(struct ev_loop *loop, int n)
{
  struct select_state *st = loop->backend_state;
  int word;

  if (EVIX_UNLIKELY(n < 0)) {
    if (errno == EBADF)
      evix__fd_ebadf(loop);
    else if (errno == ENOMEM)
      evix__fd_enomem(loop);
    else if (errno != EINTR)
      evix__syserr("(libev) select");
    return;
  }
  if (!n)
    return;

  for (word = 0; word <= st->maxfd / WORD_BITS; ++word) {
    select_word r = st->rgot[word], w = st->wgot[word];
    select_word any = r | w;

    while (any) {
      int bit = __builtin_ctzl(any);
      select_word m = (select_word)1 << bit;
      evix__fd_event(loop, word * WORD_BITS + bit,
                     (r & m ? EV_READ : 0) | (w & m ? EV_WRITE : 0));
      any &= ~m;
    }
  }
}

const struct evix_backend evix__backend_select = {
  "select",
  EVBACKEND_SELECT,
  1e-6,
  select_init,
  select_destroy,
  NULL,
  select_modify,
  select_wait,
  select_collect,
};
