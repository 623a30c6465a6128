/* backend_iouring.c - Linux io_uring, readiness through poll requests.
 *
 * Each watched fd has at most one IORING_OP_POLL_ADD request in the
 * kernel.  Requests are single-shot and re-armed after every completion,
 * which is what makes them level-triggered like the other backends: the
 * re-armed request checks the fd again after the callbacks ran, and
 * completes at once if data is left.  Multishot polls (IORING_POLL_ADD_MULTI)
 * are deliberately not used: they complete once per wake-up of the file,
 * i.e. edge-triggered, and would need exactly such a re-check after every
 * event anyway, at a higher cost (measured, see bench/README.md).
 *
 * The special cases handled here:
 *  a) Registration changes, re-arms and cancellations are queued as
 *     submission queue entries and go to the kernel together with the next
 *     wait, in one io_uring_enter.  An entry that was queued but not
 *     submitted yet is rewritten in place (or turned into a NOP) when the
 *     interest changes again, so a watcher stopped in its callback costs
 *     the kernel nothing.  When changes fill the queue it is submitted
 *     early.  Completions are taken only as far as there is room to queue
 *     their re-arms: a re-arm submitted before the callbacks read the data
 *     would report it a second time.
 *  b) Every request carries the fd and a generation count in its
 *     user_data (fds[fd].egen, like epoll's).  A completion from an older
 *     generation - a cancelled request, or one for a file that the fd
 *     number no longer names - is ignored.
 *  c) A poll request holds a reference to its file: closing the fd does
 *     not end it, and the file (a socket, say) stays open until the
 *     request completes or is cancelled.  So interest is never dropped
 *     lazily as with epoll: a stopped watcher's request is cancelled
 *     (POLL_REMOVE) with the next submission.  For the same reason a
 *     closed fd whose watcher stays active is not noticed, as with epoll;
 *     one that is closed before the kernel sees its request fails with
 *     EBADF and its watchers get EV_ERROR.
 *  d) The completion queue can overflow.  The kernel keeps the extra
 *     completions (IORING_FEAT_NODROP) and we flush them; if it lost any
 *     (old kernels, or no memory), the ring is made anew, bigger, and every
 *     fd is registered again.
 *  e) When completions are already waiting and nothing needs submitting,
 *     no system call is made at all; the same when the loop does not block
 *     and nothing is pending in the kernel.
 *  f) The ring does not survive fork(): its memory is shared with the
 *     parent (so it is mapped MADV_DONTFORK: a child that forgets
 *     ev_loop_fork faults instead of corrupting the parent's ring), and the
 *     child gets a ring of its own (reinit).
 *  g) io_uring may be missing (ENOSYS), switched off
 *     (/proc/sys/kernel/io_uring_disabled: EPERM) or filtered by seccomp:
 *     init() fails and the loop takes the next backend.
 *  h) Regular files are always ready: their requests complete at once on
 *     every submission, so they need no special list.
 *  i) Closing a ring makes the kernel send work to every thread that used
 *     it, some milliseconds later; a thread blocked in epoll_wait then
 *     sees one EINTR.  That cannot be helped for a ring that was used, but
 *     ev_supported_backends() must not cause it: it probes with invalid
 *     arguments instead of making a ring.  And ev_loop_destroy cancels
 *     the requests itself, so that the files they held are released in
 *     that call, not in some later one.
 */
#include "backend.h"

/* The build compiles this file only with the backend; the guard is for
 * builds that take every file in src/ (the Ruby gem). */
#ifdef HAVE_BACKEND_IOURING

#include "iouring_sys.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct evix_iouring_tuning evix__iouring_tuning;

/* Queue sizes: a submission queue that holds one iteration's changes for
 * typical loads, and room for many more completions than that. */
#define SQ_ENTRIES 256u
#define CQ_ENTRIES 2048u
#define CQ_ENTRIES_MAX 65536u

/* user_data: the fd in the low half, its generation in the high half.
 * Requests of our own (cancellations, NOPs, timeouts) use this fd. */
#define UD_FD_OWN 0xffffffffu
#define UD(fd, gen) (((uint64_t)(gen) << 32) | (uint32_t)(fd))
#define UD_OWN UD(UD_FD_OWN, 0)

/* Flushing the overflowed completions is bounded per collect(): what is
 * left is flushed by the next wait, which does not block then. */
#define OVERFLOW_ROUNDS 8

struct ring_map {
  void *addr;
  size_t size;
};

struct iouring_state {
  pid_t pid;            /* the process the mappings belong to */
  int dontfork;         /* the mappings are not inherited by children */
  unsigned int features;

  /* submission queue: kernel's head, tail, flags and index array; our
   * tail, which runs ahead of the kernel's while entries are queued */
  unsigned int *sq_khead;
  unsigned int *sq_ktail;
  unsigned int *sq_kflags;
  unsigned int sq_mask;
  unsigned int sq_entries;
  unsigned int sq_head; /* entries before this one were consumed */
  unsigned int sq_tail;
  struct io_uring_sqe *sqes;

  /* completion queue */
  unsigned int *cq_khead;
  unsigned int *cq_ktail;
  unsigned int *cq_koverflow;
  unsigned int cq_mask;
  unsigned int cq_entries;
  unsigned int cq_overflow_seen;
  unsigned int cq_want; /* size for the next ring */
  struct io_uring_cqe *cqes;

  struct ring_map sq_map, cq_map, sqe_map;

  /* Per fd: the queue slot of its not yet submitted POLL_ADD, or -1. */
  int *slot;
  int slotmax;

  /* The wait's timeout, read by the kernel during io_uring_enter. */
  struct evix_uring_getevents_arg arg;
  struct evix_uring_timespec ts;
};

/* ---- ring set-up ----------------------------------------------------------- */

static void
map_release(struct ring_map *m)
{
  if (m->addr)
    munmap(m->addr, m->size);
  m->addr = NULL;
  m->size = 0;
}

static int
map_ring(int fd, struct ring_map *m, size_t size, off_t off, int *dontfork)
{
  m->addr = mmap(NULL, size, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_POPULATE, fd, off);
  if (m->addr == MAP_FAILED) {
    m->addr = NULL;
    return -1;
  }
  m->size = size;
  if (madvise(m->addr, size, MADV_DONTFORK) < 0)
    *dontfork = 0;
  return 0;
}

/* Forgets the rings; unmaps them only in the process that mapped them (a
 * child did not inherit them, and the addresses may be reused there). */
static void
ring_unmap(struct iouring_state *st)
{
  if (st->dontfork && st->pid != getpid()) {
    st->sq_map.addr = st->cq_map.addr = st->sqe_map.addr = NULL;
    return;
  }
  if (st->cq_map.addr == st->sq_map.addr)
    st->cq_map.addr = NULL; /* one mapping for both */
  map_release(&st->sqe_map);
  map_release(&st->cq_map);
  map_release(&st->sq_map);
}

/* The setup flags, newest kernels' first.  SUBMIT_ALL keeps one bad entry
 * from holding up the rest; COOP_TASKRUN spares interrupts to run
 * completions while we are in user space, and TASKRUN_FLAG tells us when
 * such work is waiting (so a non-blocking wait knows it must enter). */
static const unsigned int setup_flag_sets[] = {
  IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL |
      IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
  IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP,
  0,
};

/* Creates a ring; returns its fd, or -1 with errno. */
static int
ring_setup(unsigned int sq, unsigned int cq, struct io_uring_params *p)
{
  size_t i;
  int fd = -1;

  if (evix__iouring_tuning.setup_errno) {
    errno = evix__iouring_tuning.setup_errno;
    return -1;
  }
  for (i = 0; i < sizeof setup_flag_sets / sizeof setup_flag_sets[0]; ++i) {
    memset(p, 0, sizeof *p);
    p->flags = setup_flag_sets[i];
    p->cq_entries = cq;
    fd = evix_uring_setup(sq, p);
    if (fd >= 0 || errno != EINVAL)
      break;
  }
  return fd;
}

/* Makes a ring and maps it into st; returns its fd or -1. */
static int
ring_create(struct iouring_state *st)
{
  struct io_uring_params p;
  size_t sq_size, cq_size;
  unsigned int i, *sq_array;
  char *sq, *cq;
  int fd;
  unsigned int sq_want = evix__iouring_tuning.sq_entries
                             ? evix__iouring_tuning.sq_entries : SQ_ENTRIES;

  /* st may hold the previous ring's mappings (reinit): never touch them. */
  memset(&st->sq_map, 0, sizeof st->sq_map);
  memset(&st->cq_map, 0, sizeof st->cq_map);
  memset(&st->sqe_map, 0, sizeof st->sqe_map);
  fd = ring_setup(sq_want, st->cq_want > sq_want ? st->cq_want : sq_want, &p);
  if (fd < 0)
    return -1;
  /* Seccomp filters may allow the set-up but not the use. */
  if (evix_uring_enter(fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
    int err = errno;
    close(fd);
    errno = err;
    return -1;
  }

  st->features = p.features & ~evix__iouring_tuning.hide_features;
  st->pid = getpid();
  st->dontfork = 1;
  sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
  cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  if (st->features & IORING_FEAT_SINGLE_MMAP) {
    if (cq_size > sq_size)
      sq_size = cq_size;
    cq_size = sq_size;
  }
  if (map_ring(fd, &st->sq_map, sq_size, IORING_OFF_SQ_RING, &st->dontfork))
    goto fail;
  if (st->features & IORING_FEAT_SINGLE_MMAP)
    st->cq_map = st->sq_map;
  else if (map_ring(fd, &st->cq_map, cq_size, IORING_OFF_CQ_RING,
                    &st->dontfork))
    goto fail;
  if (map_ring(fd, &st->sqe_map, p.sq_entries * sizeof(struct io_uring_sqe),
               IORING_OFF_SQES, &st->dontfork))
    goto fail;

  sq = st->sq_map.addr;
  cq = st->cq_map.addr;
  st->sq_khead = (unsigned int *)(sq + p.sq_off.head);
  st->sq_ktail = (unsigned int *)(sq + p.sq_off.tail);
  st->sq_kflags = (unsigned int *)(sq + p.sq_off.flags);
  st->sq_mask = *(unsigned int *)(sq + p.sq_off.ring_mask);
  st->sq_entries = p.sq_entries;
  st->sqes = st->sqe_map.addr;
  st->cq_khead = (unsigned int *)(cq + p.cq_off.head);
  st->cq_ktail = (unsigned int *)(cq + p.cq_off.tail);
  st->cq_koverflow = (unsigned int *)(cq + p.cq_off.overflow);
  st->cq_mask = *(unsigned int *)(cq + p.cq_off.ring_mask);
  st->cq_entries = p.cq_entries;
  st->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);

  /* Slot i of the queue always holds entry i. */
  sq_array = (unsigned int *)(sq + p.sq_off.array);
  for (i = 0; i < p.sq_entries; ++i)
    sq_array[i] = i;
  st->sq_head = st->sq_tail = *st->sq_ktail;
  st->cq_overflow_seen = __atomic_load_n(st->cq_koverflow, __ATOMIC_RELAXED);
  return fd;

fail:
  ring_unmap(st);
  close(fd);
  return -1;
}

static void
slots_clear(struct iouring_state *st)
{
  int i;
  for (i = 0; i < st->slotmax; ++i)
    st->slot[i] = -1;
}

static void
slot_reserve(struct iouring_state *st, int fd)
{
  if (EVIX_UNLIKELY(fd >= st->slotmax)) {
    int old = st->slotmax, i;
    st->slot = evix__grow(st->slot, &st->slotmax, fd + 1, sizeof *st->slot,
                          0);
    for (i = old; i < st->slotmax; ++i)
      st->slot[i] = -1;
  }
}

/* ---- the submission queue ------------------------------------------------- */

/* Takes note of the entries the kernel consumed: their fds no longer have
 * a queued entry that could be rewritten. */
static void
sq_reap(struct iouring_state *st)
{
  unsigned int head = __atomic_load_n(st->sq_khead, __ATOMIC_ACQUIRE);

  for (; st->sq_head != head; ++st->sq_head) {
    unsigned int pos = st->sq_head & st->sq_mask;
    const struct io_uring_sqe *sqe = &st->sqes[pos];
    uint32_t fd = (uint32_t)sqe->user_data;

    if (sqe->opcode == IORING_OP_POLL_ADD && fd != UD_FD_OWN &&
        (int)fd < st->slotmax && st->slot[fd] == (int)pos)
      st->slot[fd] = -1;
  }
}

/* Submits what is queued without waiting.  Returns 0, or -1 if the kernel
 * took nothing. */
static int
sq_submit(struct iouring_state *st, int ring_fd)
{
  unsigned int pending = st->sq_tail - st->sq_head;
  int r;

  __atomic_store_n(st->sq_ktail, st->sq_tail, __ATOMIC_RELEASE);
  do
    r = evix_uring_enter(ring_fd, pending, 0, 0, NULL, 0);
  while (r < 0 && errno == EINTR);
  sq_reap(st);
  return st->sq_tail - st->sq_head < pending ? 0 : -1;
}

/* A cleared queue entry, or NULL when the queue is full and the kernel
 * does not take any (then the ring is rebuilt, re-registering all). */
static struct io_uring_sqe *
sq_get(struct ev_loop *loop, struct iouring_state *st)
{
  struct io_uring_sqe *sqe;

  if (EVIX_UNLIKELY(st->sq_tail - st->sq_head >= st->sq_entries)) {
    sq_reap(st);
    if (st->sq_tail - st->sq_head >= st->sq_entries &&
        sq_submit(st, loop->backend_fd) < 0) {
      loop->backend_rebuild = 1;
      return NULL;
    }
  }
  sqe = &st->sqes[st->sq_tail & st->sq_mask];
  memset(sqe, 0, sizeof *sqe);
  ++st->sq_tail;
  return sqe;
}

static unsigned int
poll_mask(int ev)
{
  return (ev & EV_READ ? (unsigned)POLLIN : 0u) |
         (ev & EV_WRITE ? (unsigned)POLLOUT : 0u);
}

/* Queues a poll request for fd with the fd's current generation. */
static void
queue_poll(struct ev_loop *loop, struct iouring_state *st, int fd, int ev)
{
  struct evix_fd *f = &loop->fds[fd];
  struct io_uring_sqe *sqe = sq_get(loop, st);

  if (EVIX_UNLIKELY(!sqe)) {
    f->emask = 0;
    return;
  }
  sqe->opcode = IORING_OP_POLL_ADD;
  sqe->fd = fd;
  /* The 16-bit field: its place in the 32-bit one is right for either
   * byte order. */
  sqe->poll_events = (uint16_t)poll_mask(ev);
  sqe->user_data = UD(fd, f->egen);
  f->emask = (unsigned char)ev;
  st->slot[fd] = (int)(sqe - st->sqes);
}

static void
queue_cancel(struct ev_loop *loop, struct iouring_state *st, uint64_t ud)
{
  struct io_uring_sqe *sqe = sq_get(loop, st);

  if (EVIX_UNLIKELY(!sqe))
    return; /* the rebuild cancels everything */
  sqe->opcode = IORING_OP_POLL_REMOVE;
  sqe->fd = -1;
  sqe->addr = ud;
  sqe->user_data = UD_OWN;
}

/* ---- the backend interface ----------------------------------------------- */

static void iouring_modify(struct ev_loop *loop, int fd, int oev, int nev);

static int
iouring_init(struct ev_loop *loop)
{
  struct iouring_state *st = evix__realloc(NULL, (long)sizeof *st);
  int fd;

  memset(st, 0, sizeof *st);
  st->cq_want = evix__iouring_tuning.cq_entries
                    ? evix__iouring_tuning.cq_entries : CQ_ENTRIES;
  fd = ring_create(st);
  if (fd < 0) {
    evix__free(st);
    return -1;
  }
  loop->backend_state = st;
  loop->backend_fd = fd;
  return 0;
}

static void
iouring_destroy(struct ev_loop *loop)
{
  struct iouring_state *st = loop->backend_state;

  /* Cancel every request now: each may hold the last reference to a file
   * that was closed meanwhile (c), and releasing thousands of sockets, say,
   * is work that belongs to this call - left to the ring's release, it
   * lands in some later system call of this thread. */
  if (!st->dontfork || st->pid == getpid()) {
    int fd;
    for (fd = 0; fd < loop->fdmax && fd < st->slotmax; ++fd)
      if (loop->fds[fd].emask)
        iouring_modify(loop, fd, loop->fds[fd].events, 0);
    sq_submit(st, loop->backend_fd);
  }
  ring_unmap(st);
  close(loop->backend_fd);
  loop->backend_fd = -1;
  evix__free(st->slot);
  evix__free(st);
  loop->backend_state = NULL;
}

static void
iouring_reinit(struct ev_loop *loop)
{
  struct iouring_state *st = loop->backend_state;
  struct iouring_state fresh = *st;
  int fd;

  /* The old ring's requests, completions and queued entries all go with
   * it; the core registers every fd again. */
  while ((fd = ring_create(&fresh)) < 0)
    evix__syserr("(libev) io_uring_setup");
  ring_unmap(st);
  close(loop->backend_fd);
  *st = fresh;
  loop->backend_fd = fd;
  slots_clear(st);
}

static void
iouring_modify(struct ev_loop *loop, int fd, int oev, int nev)
{
  struct iouring_state *st = loop->backend_state;
  struct evix_fd *f = &loop->fds[fd];
  int pos;

  (void)oev;
  slot_reserve(st, fd);
  pos = st->slot[fd];
  if (pos >= 0) {
    /* The kernel has not seen the request yet (a): change it in place.
     * It names the fd by number, so it also covers a new file. */
    struct io_uring_sqe *sqe = &st->sqes[pos];
    if (nev) {
      sqe->poll_events = (uint16_t)poll_mask(nev);
      f->emask = (unsigned char)nev;
    } else {
      sqe->opcode = IORING_OP_NOP;
      sqe->fd = -1;
      sqe->poll_events = 0;
      sqe->user_data = UD_OWN;
      st->slot[fd] = -1;
      f->emask = 0;
    }
    return;
  }

  /* A request in the kernel watches the file the fd named when it was
   * submitted, with the old mask: replace it (b, c). */
  if (f->emask) {
    queue_cancel(loop, st, UD(fd, f->egen));
    f->emask = 0;
  }
  if (nev) {
    ++f->egen;
    queue_poll(loop, st, fd, nev);
  }
}

static int
iouring_wait(struct ev_loop *loop, ev_tstamp timeout)
{
  struct iouring_state *st = loop->backend_state;
  unsigned int to_submit = st->sq_tail - st->sq_head;
  unsigned int ready =
      __atomic_load_n(st->cq_ktail, __ATOMIC_ACQUIRE) - *st->cq_khead;
  unsigned int kflags = __atomic_load_n(st->sq_kflags, __ATOMIC_RELAXED);

  if (to_submit)
    __atomic_store_n(st->sq_ktail, st->sq_tail, __ATOMIC_RELEASE);

  if (ready || timeout <= 0.) {
    /* Not blocking (e): enter only to submit, or to let the kernel post
     * completions it holds back (overflow, deferred work). */
    if (!to_submit &&
        !(kflags & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN)))
      return (int)ready;
    return evix_uring_enter(loop->backend_fd, to_submit, 0,
                            IORING_ENTER_GETEVENTS, NULL, 0);
  }

  {
    struct timespec ts;

    evix__timeout_ts(timeout, &ts);
    st->ts.tv_sec = (int64_t)ts.tv_sec;
    st->ts.tv_nsec = (long long)ts.tv_nsec;
  }
  if (st->features & IORING_FEAT_EXT_ARG) {
    st->arg.ts = (uint64_t)(uintptr_t)&st->ts;
    return evix_uring_enter(loop->backend_fd, to_submit, 1,
                            IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
                            &st->arg, sizeof st->arg);
  }

  /* Before 5.11: a timeout request, which also completes as soon as any
   * other completion arrives (off = 1), so none outlives this wait. */
  if (to_submit < st->sq_entries) {
    struct io_uring_sqe *sqe = &st->sqes[st->sq_tail & st->sq_mask];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = IORING_OP_TIMEOUT;
    sqe->fd = -1;
    sqe->addr = (uint64_t)(uintptr_t)&st->ts;
    sqe->len = 1;
    sqe->off = 1;
    sqe->user_data = UD_OWN;
    ++st->sq_tail;
    ++to_submit;
    __atomic_store_n(st->sq_ktail, st->sq_tail, __ATOMIC_RELEASE);
    return evix_uring_enter(loop->backend_fd, to_submit, 1,
                            IORING_ENTER_GETEVENTS, NULL, 0);
  }
  /* No room for it: submit without blocking; the loop comes back. */
  return evix_uring_enter(loop->backend_fd, to_submit, 0,
                          IORING_ENTER_GETEVENTS, NULL, 0);
}

/* Handles the completions that are in the queue now, as many as there is
 * room to queue their re-arms: a re-arm must not reach the kernel before
 * the callbacks have read the data, or it would report it again.  What is
 * left stays for the next iteration, whose wait then does not block. */
static void
cq_process(struct ev_loop *loop, struct iouring_state *st)
{
  unsigned int head = *st->cq_khead;
  unsigned int tail = __atomic_load_n(st->cq_ktail, __ATOMIC_ACQUIRE);

  while (head != tail && st->sq_tail - st->sq_head < st->sq_entries) {
    const struct io_uring_cqe *cqe = &st->cqes[head & st->cq_mask];
    uint64_t ud = cqe->user_data;
    int res = cqe->res;
    uint32_t fd = (uint32_t)ud;
    struct evix_fd *f;

    /* Give the entry back before anything below may submit. */
    __atomic_store_n(st->cq_khead, ++head, __ATOMIC_RELEASE);

    if (fd == UD_FD_OWN || EVIX_UNLIKELY((int)fd >= loop->fdmax))
      continue;
    f = &loop->fds[fd];
    /* Stale (b): cancelled, replaced, or the fd has no request now. */
    if ((uint32_t)(ud >> 32) != f->egen || !f->emask ||
        (int)fd >= st->slotmax || st->slot[fd] >= 0)
      continue;
    f->emask = 0; /* single-shot: the request is gone */

    if (EVIX_UNLIKELY(res < 0)) {
      if (res != -ECANCELED && res != -ENOMEM && res != -EAGAIN &&
          res != -EINTR) {
        /* EBADF: closed before the kernel saw it (c); EINVAL and the
         * like: nothing to poll. */
        evix__fd_kill(loop, (int)fd);
        continue;
      }
    } else {
      int got = (res & (POLLOUT | POLLERR | POLLHUP) ? EV_WRITE : 0) |
                (res & (POLLIN | POLLERR | POLLHUP) ? EV_READ : 0);
      evix__fd_event(loop, (int)fd, got);
    }

    /* Re-arm with the interest the core last gave us; a change made by
     * the callbacks rewrites the queued entry (a). */
    if (f->events && f->head)
      queue_poll(loop, st, (int)fd, f->events);
  }
}

static void
iouring_collect(struct ev_loop *loop, int result)
{
  struct iouring_state *st = loop->backend_state;
  unsigned int kflags;
  int round, lost = 0;

  if (EVIX_UNLIKELY(result < 0)) {
    int err = errno;
    /* ETIME: the wait timed out; EINTR: a signal; EAGAIN, EBUSY: the
     * kernel could not take the submissions now - they stay queued. */
    if (err != EINTR && err != ETIME && err != EAGAIN && err != EBUSY)
      evix__syserr("(libev) io_uring_enter");
  }

  sq_reap(st);
  cq_process(loop, st);

  /* (d): completions the queue had no room for. */
  for (round = 0; round < OVERFLOW_ROUNDS; ++round) {
    kflags = __atomic_load_n(st->sq_kflags, __ATOMIC_RELAXED);
    if (!(kflags & IORING_SQ_CQ_OVERFLOW))
      break;
    if (!(st->features & IORING_FEAT_NODROP)) {
      /* Without NODROP an overflow means lost completions. */
      lost = 1;
      break;
    }
    if (evix_uring_enter(loop->backend_fd, 0, 0, IORING_ENTER_GETEVENTS,
                         NULL, 0) < 0 && errno != EINTR && errno != EBUSY &&
        errno != EAGAIN)
      break;
    cq_process(loop, st);
  }

  if (EVIX_UNLIKELY(__atomic_load_n(st->cq_koverflow, __ATOMIC_RELAXED) !=
                    st->cq_overflow_seen))
    lost = 1;
  if (EVIX_UNLIKELY(lost)) {
    /* Some readiness may be gone for good: start over with a bigger
     * completion queue and register every fd again. */
    loop->backend_rebuild = 1;
    ++evix__iouring_tuning.losses;
    if (st->cq_entries < CQ_ENTRIES_MAX)
      st->cq_want = st->cq_entries * 2;
  }
}

int
evix__iouring_usable(void)
{
  struct io_uring_params p;

  /* A ring cannot be made and closed just to see: closing one that this
   * thread set up makes the kernel interrupt the thread's next blocking
   * epoll_wait (EINTR) some milliseconds later.  Ask with invalid
   * arguments instead: EINVAL for the size and EBADF for the fd mean the
   * calls got as far as checking them, past the ENOSYS of an old kernel
   * and the EPERM of io_uring_disabled or of a seccomp filter. */
  if (evix__iouring_tuning.setup_errno)
    return 0;
  memset(&p, 0, sizeof p);
  if (evix_uring_setup(0, &p) >= 0 || errno != EINVAL)
    return 0;
  return evix_uring_enter(-1, 0, 0, 0, NULL, 0) < 0 && errno == EBADF;
}

void
evix__iouring_flush(struct ev_loop *loop)
{
  struct iouring_state *st = loop->backend_state;

  if (st->sq_tail != st->sq_head)
    sq_submit(st, loop->backend_fd);
}

const struct evix_backend evix__backend_iouring = {
  "io_uring",
  EVBACKEND_IOURING,
  1e-6,
  iouring_init,
  iouring_destroy,
  iouring_reinit,
  iouring_modify,
  iouring_wait,
  iouring_collect,
};

#endif /* HAVE_BACKEND_IOURING */
