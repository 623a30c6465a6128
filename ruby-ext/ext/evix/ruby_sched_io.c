/* ruby_sched_io.c - Evix::Scheduler's io_read, io_write, io_pread,
 * io_pwrite and io_select hooks.
 *
 * io_read/io_write make one non-blocking system call and wait in the
 * scheduler only when it would block.  None of the ways used needs the
 * fd's O_NONBLOCK flag, which may be off (a tty, a pipe someone made
 * blocking), and each costs one system call:
 *  - sockets (BasicSocket objects): recv/send with MSG_DONTWAIT;
 *  - File objects (regular files, nearly always): read/write, which do
 *    not wait for long on files;
 *  - other IOs (pipes mostly): preadv2/pwritev2 with RWF_NOWAIT.  Where
 *    the kernel cannot do that for the fd (EOPNOTSUPP: ttys, old
 *    kernels), the fd's flags decide: read/write when it is non-blocking
 *    already, else O_NONBLOCK is set just around the call.  A regular
 *    file that RWF_NOWAIT turns down (EAGAIN: not cached) is read
 *    normally.
 *
 * The IO::Buffer Ruby passes wraps Ruby's own memory and is freed when the
 * hook returns: its address is fetched again after every wait and never
 * kept.
 */
#include "ruby_scheduler.h"

#include <ruby/io/buffer.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static VALUE cBasicSocket = Qnil;
static ID id_BasicSocket;

enum fd_kind {
  FD_SOCKET,   /* recv/send with MSG_DONTWAIT */
  FD_DIRECT,   /* a file, or non-blocking already: read/write */
  FD_NOWAIT,   /* preadv2/pwritev2 with RWF_NOWAIT */
  FD_BLOCKING  /* O_NONBLOCK set just around read/write */
};

static int
is_socket_object(VALUE io)
{
  if (NIL_P(cBasicSocket)) {
    /* The socket library may be loaded after evix. */
    if (!rb_const_defined_at(rb_cObject, id_BasicSocket))
      return 0;
    cBasicSocket = rb_const_get_at(rb_cObject, id_BasicSocket);
  }
  return RTEST(rb_obj_is_kind_of(io, cBasicSocket));
}

static int
first_kind(VALUE io)
{
  if (is_socket_object(io))
    return FD_SOCKET;
  if (RTEST(rb_obj_is_kind_of(io, rb_cFile)))
    return FD_DIRECT;
#ifdef RWF_NOWAIT
  return FD_NOWAIT;
#else
  return -1;
#endif
}

static int
is_file(int fd)
{
  struct stat st;
  return fstat(fd, &st) == 0 &&
         (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode));
}

/* The fallback for fds RWF_NOWAIT cannot handle. */
static int
classify_fd(int fd, int *flags)
{
  int fl = fcntl(fd, F_GETFL);

  if (fl < 0 || (fl & O_NONBLOCK) || is_file(fd))
    return FD_DIRECT; /* (a bad fd: the system call reports it) */
  *flags = fl;
  return FD_BLOCKING;
}

static ssize_t
transfer_once(int kind, int fd, int flags, char *p, size_t n, int writing)
{
  ssize_t r;
  int e;

  switch (kind) {
  case FD_SOCKET:
    return writing ? send(fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL)
                   : recv(fd, p, n, MSG_DONTWAIT);
  case FD_DIRECT:
    return writing ? write(fd, p, n) : read(fd, p, n);
#ifdef RWF_NOWAIT
  case FD_NOWAIT: {
    struct iovec v;
    v.iov_base = p;
    v.iov_len = n;
    return writing ? pwritev2(fd, &v, 1, -1, RWF_NOWAIT)
                   : preadv2(fd, &v, 1, -1, RWF_NOWAIT);
  }
#endif
  default:
    if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
      return -1;
    r = writing ? write(fd, p, n) : read(fd, p, n);
    e = errno;
    (void)fcntl(fd, F_SETFL, flags);
    errno = e;
    return r;
  }
}

static void
buffer_bytes(VALUE buffer, int writing, char **base, size_t *size)
{
  if (writing) {
    const void *b;
    rb_io_buffer_get_bytes_for_reading(buffer, &b, size);
    *base = (char *)b;
  } else {
    void *b;
    rb_io_buffer_get_bytes_for_writing(buffer, &b, size);
    *base = b;
  }
}

/* The io_read/io_write contract: move at least `length` bytes into or out
 * of buffer[offset..] and return the count, 0 at end of file, or -errno if
 * nothing moved.  Length 0 (what Ruby's IO passes) means: try once, and
 * move up to the buffer's size.  A positive length (IO::Buffer#read and
 * friends) is also the most that is moved, as without a scheduler. */
static VALUE
io_transfer(VALUE self, VALUE io, VALUE buffer, size_t length, size_t offset,
            int writing)
{
  evix_sched_t *s = evix_sched_get(self);
  int fd = evix_sched_fd_of(io);
  int flags = 0;
  int kind;
  size_t total = 0, size, limit;
  char *base;

  buffer_bytes(buffer, writing, &base, &size);
  if (offset > size || length > size - offset)
    rb_raise(rb_eArgError, "length %zu at offset %zu exceeds the buffer's "
                           "size %zu", length, offset, size);
  if (writing)
    evix_sched_write_gate(s, fd);
  kind = first_kind(io);
  if (kind < 0)
    kind = classify_fd(fd, &flags);
  limit = length ? length : size - offset;

  while (total < limit) {
    ssize_t n = transfer_once(kind, fd, flags, base + offset + total,
                              limit - total, writing);
    int e;

    if (n > 0) {
      total += (size_t)n;
      if (total >= length)
        break;
      continue;
    }
    if (n == 0)
      break; /* end of file (a write of 0 bytes: do not spin) */
    e = errno;
    if (e == EINTR)
      continue;
    if (kind == FD_NOWAIT && (e == EOPNOTSUPP || e == EINVAL)) {
      kind = classify_fd(fd, &flags);
      continue;
    }
    if (e == ENOTSOCK && kind == FD_SOCKET) {
      kind = FD_NOWAIT;
#ifndef RWF_NOWAIT
      kind = classify_fd(fd, &flags);
#endif
      continue;
    }
    if (e == EAGAIN || e == EWOULDBLOCK) {
      if (kind == FD_NOWAIT && is_file(fd)) {
        kind = FD_DIRECT; /* not in the page cache: read it anyway */
        continue;
      }
      if (total >= length) {
        if (total)
          break;
        if (writing)
          evix_sched_wrote(s, fd, 0);
        return INT2FIX(-EAGAIN); /* length 0: tried once */
      }
      if (writing)
        evix_sched_wait_write(s, fd);
      else
        evix_sched_wait_fd(s, fd, EV_READ, -1.);
      buffer_bytes(buffer, writing, &base, &size);
      if (offset + limit > size)
        break;
      continue;
    }
    if (total)
      break;
    if (writing)
      evix_sched_wrote(s, fd, 0);
    return INT2FIX(-e);
  }
  if (writing)
    evix_sched_wrote(s, fd, total > 0);
  return SIZET2NUM(total);
}

/* #io_read(io, buffer, length, offset = 0): Ruby 3.1 passes three
 * arguments, 3.2 and later add the offset into the buffer. */
static VALUE
sched_io_read(int argc, VALUE *argv, VALUE self)
{
  rb_check_arity(argc, 3, 4);
  return io_transfer(self, argv[0], argv[1], NUM2SIZET(argv[2]),
                     argc > 3 ? NUM2SIZET(argv[3]) : 0, 0);
}

/* #io_write(io, buffer, length, offset = 0) */
static VALUE
sched_io_write(int argc, VALUE *argv, VALUE self)
{
  rb_check_arity(argc, 3, 4);
  return io_transfer(self, argv[0], argv[1], NUM2SIZET(argv[2]),
                     argc > 3 ? NUM2SIZET(argv[3]) : 0, 1);
}

/* Positional transfers (files, mostly; ESPIPE elsewhere). */
static VALUE
io_ptransfer(VALUE self, VALUE io, VALUE buffer, off_t from, size_t length,
             size_t offset, int writing)
{
  evix_sched_t *s = evix_sched_get(self);
  int fd = evix_sched_fd_of(io);
  size_t total = 0, size;
  size_t limit;
  char *base;

  buffer_bytes(buffer, writing, &base, &size);
  if (offset > size || length > size - offset)
    rb_raise(rb_eArgError, "length %zu at offset %zu exceeds the buffer's "
                           "size %zu", length, offset, size);
  if (from < 0)
    rb_raise(rb_eArgError, "negative file offset");
  limit = length ? length : size - offset;

  while (total < limit) {
    char *p = base + offset + total;
    size_t n = limit - total;
    off_t at = from + (off_t)total;
    ssize_t r = writing ? pwrite(fd, p, n, at) : pread(fd, p, n, at);
    int e;

    if (r > 0) {
      total += (size_t)r;
      if (total >= length)
        break;
      continue;
    }
    if (r == 0)
      break;
    e = errno;
    if (e == EINTR)
      continue;
    if (e == EAGAIN || e == EWOULDBLOCK) {
      if (total >= length)
        return total ? SIZET2NUM(total) : INT2FIX(-EAGAIN);
      evix_sched_wait_fd(s, fd, writing ? EV_WRITE : EV_READ, -1.);
      buffer_bytes(buffer, writing, &base, &size);
      if (offset + limit > size)
        break;
      continue;
    }
    if (total)
      break;
    return INT2FIX(-e);
  }
  return SIZET2NUM(total);
}

/* The two argument forms of #pread_buffer and #pwrite_buffer:
 * (io, buffer, length, file_offset) - Ruby 3.1's io_pread/io_pwrite - or
 * (io, buffer, file_offset, length, buffer_offset) - later versions; the
 * argument count tells them apart.  scheduler.rb makes them the hooks
 * where Ruby passes the offset through intact. */
static VALUE
io_ptransfer_argv(VALUE self, int argc, VALUE *argv, int writing)
{
  rb_check_arity(argc, 4, 5);
  if (argc == 4)
    return io_ptransfer(self, argv[0], argv[1], NUM2OFFT(argv[3]),
                        NUM2SIZET(argv[2]), 0, writing);
  return io_ptransfer(self, argv[0], argv[1], NUM2OFFT(argv[2]),
                      NUM2SIZET(argv[3]), NUM2SIZET(argv[4]), writing);
}

static VALUE
sched_io_pread(int argc, VALUE *argv, VALUE self)
{
  return io_ptransfer_argv(self, argc, argv, 0);
}

static VALUE
sched_io_pwrite(int argc, VALUE *argv, VALUE self)
{
  return io_ptransfer_argv(self, argc, argv, 1);
}

/* ---- io_select ----------------------------------------------------------- */

static VALUE
io_list(VALUE v)
{
  if (NIL_P(v))
    return rb_ary_new();
  return rb_convert_type(v, T_ARRAY, "Array", "to_ary");
}

/* Data already in the IO's read buffer makes it readable at once. */
static int
has_buffered_input(VALUE obj)
{
  VALUE io = RB_TYPE_P(obj, T_FILE)
                 ? obj
                 : rb_convert_type(obj, T_FILE, "IO", "to_io");
  rb_io_t *fptr = RFILE(io)->fptr;
  return fptr && fptr->rbuf.len > 0;
}

static int
poll_all(struct pollfd *p, long n)
{
  int r;
  do
    r = poll(p, (nfds_t)n, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    rb_sys_fail("poll");
  return r;
}

/* #io_select(readables, writables = nil, exceptables = nil, timeout = nil)
 * -> [readable, writable, exceptional] or nil on timeout: IO.select for a
 * fiber (the hook of Ruby 3.2 and later). */
static VALUE
sched_io_select(int argc, VALUE *argv, VALUE self)
{
  evix_sched_t *s = evix_sched_get(self);
  volatile VALUE tmp1 = 0, tmp2 = 0;
  VALUE lists[3], result[3];
  struct pollfd *p;
  evix_sched_fdwait_t *fds;
  long n = 0, i, k, j;
  double timeout;
  int ready = 0;

  rb_check_arity(argc, 1, 4);
  for (k = 0; k < 3; ++k) {
    lists[k] = io_list(argc > k ? argv[k] : Qnil);
    n += RARRAY_LEN(lists[k]);
    result[k] = rb_ary_new();
  }
  timeout = evix_sched_seconds(argc > 3 ? argv[3] : Qnil);
  if (n == 0) {
    VALUE d = timeout < 0. ? Qnil : DBL2NUM(timeout);
    rb_funcallv(self, rb_intern("kernel_sleep"), 1, &d);
    return Qnil;
  }

  /* On the heap (a GC-owned buffer, so that an exception does not leak
   * it): fiber stacks are small. */
  p = rb_alloc_tmp_buffer(&tmp1, n * (long)sizeof *p);
  for (k = 0, i = 0; k < 3; ++k)
    for (j = 0; j < RARRAY_LEN(lists[k]); ++j, ++i) {
      VALUE io = RARRAY_AREF(lists[k], j);
      p[i].fd = evix_sched_fd_of(io);
      p[i].events = k == 0 ? POLLIN : k == 1 ? POLLOUT : POLLPRI;
      p[i].revents = 0;
      if (k == 0 && has_buffered_input(io)) {
        p[i].revents = POLLIN;
        ready = 1;
      }
    }

  if (!ready)
    ready = poll_all(p, n) > 0;
  if (!ready && timeout != 0.) {
    fds = rb_alloc_tmp_buffer(&tmp2, n * (long)sizeof *fds);
    for (i = 0; i < n; ++i) {
      fds[i].fd = p[i].fd;
      fds[i].events = p[i].events == POLLOUT ? EV_WRITE : EV_READ;
    }
    evix_sched_wait_fds(s, fds, (int)n, timeout);
    for (i = 0; i < n; ++i)
      if (fds[i].revents)
        ready = 1;
    if (ready)
      ready = poll_all(p, n) > 0;
    rb_free_tmp_buffer(&tmp2);
  }
  if (!ready) {
    rb_free_tmp_buffer(&tmp1);
    return Qnil;
  }
  for (k = 0, i = 0; k < 3; ++k)
    for (j = 0; j < RARRAY_LEN(lists[k]); ++j, ++i) {
      short want = k == 0 ? (POLLIN | POLLHUP | POLLERR)
                 : k == 1 ? (POLLOUT | POLLHUP | POLLERR) : POLLPRI;
      if (p[i].revents & POLLNVAL) {
        rb_free_tmp_buffer(&tmp1);
        rb_raise(rb_eIOError, "closed stream");
      }
      if (p[i].revents & want)
        rb_ary_push(result[k], RARRAY_AREF(lists[k], j));
    }
  rb_free_tmp_buffer(&tmp1);
  return rb_ary_new_from_values(3, result);
}

void
evix_sched_init_io(VALUE klass)
{
  static int once;

  if (!once) {
    once = 1;
    id_BasicSocket = rb_intern("BasicSocket");
    rb_gc_register_address(&cBasicSocket);
  }
  rb_define_method(klass, "io_read", sched_io_read, -1);
  rb_define_method(klass, "io_write", sched_io_write, -1);
  rb_define_method(klass, "pread_buffer", sched_io_pread, -1);
  rb_define_method(klass, "pwrite_buffer", sched_io_pwrite, -1);
  rb_define_method(klass, "io_select", sched_io_select, -1);
}
