/* echo_server.c - a TCP echo server written against the libev API.
 *
 * This is the kind of program a libev user writes; it only includes <ev.h>
 * and builds unchanged against evix (include/ev.h, libevix) and against the
 * system libev (-lev).
 *
 * The moving parts:
 *  - one ev_io watches the non-blocking listening socket;
 *  - each connection has an ev_io for reading, a second ev_io for writing
 *    that is only active while echoed data is waiting for the socket to
 *    accept it, and an ev_timer that closes the connection after a period
 *    without traffic (restarted with ev_timer_again, see conn_touch());
 *  - reading pauses while too much echoed data is queued, so a client that
 *    sends without reading cannot make the server buffer without limit;
 *  - SIGINT/SIGTERM, --exit-after and --lifetime end the loop with
 *    ev_break; everything is then stopped, closed and freed, and the loop
 *    destroyed.
 *
 * Usage: echo_server [options] [PORT]      (PORT 0 or none: any free port)
 * Once listening it prints "listening on 127.0.0.1 PORT" on stdout; when
 * it exits it prints one "stats: ..." line there too.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* sigaction, fcntl, strtod with -std=c99 */
#endif
#include <ev.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes asked for per read(). */
#define READ_CHUNK (64 * 1024)
/* Stop reading from a peer once this much of its echo is queued ... */
#define HIGH_WATER (256 * 1024)
/* ... and resume once the queue has drained to this. */
#define LOW_WATER (64 * 1024)
/* Connections accepted per wake-up of the listening watcher, so that a
 * burst of new clients cannot starve the ones already connected. */
#define ACCEPT_BATCH 32
/* Pause before accepting again after running out of descriptors. */
#define ACCEPT_RETRY 0.1

struct server_config {
  int port;                 /* 0: let the kernel choose */
  double idle_timeout;      /* seconds; 0 disables the idle timeout */
  unsigned long max_conns;  /* open at once; 0: no limit */
  unsigned long exit_after; /* exit once this many have closed; 0: never */
  double lifetime;          /* exit after this many seconds; 0: never */
  unsigned int backend;     /* EVBACKEND_* bit, 0 for libev's choice */
  int verbose;              /* log every connection on stderr */
};

struct server_stats {
  unsigned long accepted;
  unsigned long closed;      /* every close, whatever the reason */
  unsigned long idle_closes; /* closed by the idle timeout */
  unsigned long errors;      /* closed after a read/write error */
  unsigned long peak;        /* most connections open at the same time */
  unsigned long write_waits; /* times the write watcher had to be started */
  unsigned long read_pauses; /* times reading stopped for back-pressure */
  unsigned long long bytes;  /* bytes echoed */
};

struct conn;

struct server {
  struct ev_loop *loop;
  struct server_config cfg;
  struct server_stats stats;
  ev_tstamp started;         /* ev_now() at start, for log stamps */
  int listen_fd;
  ev_io accept_watcher;
  ev_timer accept_retry;     /* resumes accepting after EMFILE and co. */
  int accept_paused;         /* accept_retry is running */
  ev_timer lifetime_timer;
  ev_signal sigint_watcher;
  ev_signal sigterm_watcher;
  int stopping;              /* the loop is ending: accept nothing more */
  struct conn *conns;        /* every open connection, newest first */
  unsigned long nconns;
};

struct conn {
  struct server *srv;
  struct conn *prev, *next;
  unsigned long id;
  int fd;
  ev_io read_watcher;
  ev_io write_watcher;
  ev_timer idle_timer;
  /* Echo queue: buf[head, tail) has been read but not yet written back. */
  char *buf;
  size_t head, tail, cap;
  int peer_done;             /* the peer will send nothing more */
};

enum close_reason { CLOSE_DONE, CLOSE_IDLE, CLOSE_ERROR, CLOSE_SHUTDOWN };

static const char *const close_reason_names[] = {
  "finished", "idle timeout", "error", "server shutdown"
};

static const struct {
  const char *name;
  unsigned int flag;
} backends[] = {
  { "select", EVBACKEND_SELECT }, { "poll", EVBACKEND_POLL },
  { "epoll", EVBACKEND_EPOLL },   { "linuxaio", EVBACKEND_LINUXAIO },
  { "kqueue", EVBACKEND_KQUEUE }, { "devpoll", EVBACKEND_DEVPOLL },
  { "port", EVBACKEND_PORT },     { "iouring", EVBACKEND_IOURING },
};
#define N_BACKENDS (sizeof backends / sizeof backends[0])

static void update_accepting(struct server *srv);

/* ---- logging ----------------------------------------------------------- */

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static void server_log(struct server *srv, const char *fmt, ...)
  PRINTF_LIKE(2, 3);

/* Verbose log line on stderr, stamped with the loop's idea of "now". */
static void
server_log(struct server *srv, const char *fmt, ...)
{
  va_list ap;

  if (!srv->cfg.verbose)
    return;
  fprintf(stderr, "echo_server [%7.3f] ", ev_now(srv->loop) - srv->started);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

static const char *
backend_name(unsigned int flag)
{
  size_t i;

  for (i = 0; i < N_BACKENDS; ++i)
    if (backends[i].flag == flag)
      return backends[i].name;
  return "unknown";
}

/* ---- sockets ----------------------------------------------------------- */

static int
set_nonblock_cloexec(int fd)
{
  int fl = fcntl(fd, F_GETFL);

  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return -1;
  return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Opens a non-blocking socket listening on 127.0.0.1:port and stores the
 * port actually bound (useful when port is 0).  Returns the fd or -1. */
static int
listen_on_loopback(int port, int *bound_port)
{
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  int one = 1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  if (fd < 0)
    return -1;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  /* Lets a restarted server bind while old connections sit in TIME_WAIT. */
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0
      || listen(fd, SOMAXCONN) < 0
      || set_nonblock_cloexec(fd) < 0
      || getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  *bound_port = ntohs(sa.sin_port);
  return fd;
}

/* ---- connections ------------------------------------------------------- */

/* Called on every bit of traffic.  With `repeat` set to the timeout,
 * ev_timer_again moves the expiry to now + repeat, starting the timer if
 * needed: one call, no stop/start pair, and the watcher keeps its place in
 * the loop's timer structure.  With repeat 0 (--idle 0) it does nothing,
 * which is exactly "no idle timeout". */
static void
conn_touch(struct conn *c)
{
  ev_timer_again(c->srv->loop, &c->idle_timer);
}

static void
conn_close(struct conn *c, enum close_reason why)
{
  struct server *srv = c->srv;

  /* Stopping a watcher also discards an event already queued for it in
   * this loop iteration, so none of these callbacks can run after the
   * free() below. */
  ev_io_stop(srv->loop, &c->read_watcher);
  ev_io_stop(srv->loop, &c->write_watcher);
  ev_timer_stop(srv->loop, &c->idle_timer);
  close(c->fd);

  server_log(srv, "#%lu closed (%s), %zu bytes unsent", c->id,
             close_reason_names[why], c->tail - c->head);
  srv->stats.closed++;
  if (why == CLOSE_IDLE)
    srv->stats.idle_closes++;
  else if (why == CLOSE_ERROR)
    srv->stats.errors++;

  if (c->prev)
    c->prev->next = c->next;
  else
    srv->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  srv->nconns--;
  free(c->buf);
  free(c);

  if (srv->cfg.exit_after && srv->stats.closed >= srv->cfg.exit_after
      && !srv->stopping) {
    server_log(srv, "served %lu connections, exiting", srv->stats.closed);
    srv->stopping = 1;
    ev_break(srv->loop, EVBREAK_ALL);
  }
  update_accepting(srv);
}

/* Makes room for at least `want` more bytes at the tail of the queue. */
static int
conn_reserve(struct conn *c, size_t want)
{
  size_t used = c->tail - c->head;
  size_t cap;
  char *nbuf;

  if (c->cap - c->tail >= want)
    return 1;
  /* Slide the unsent bytes to the front before growing. */
  if (c->head > 0) {
    memmove(c->buf, c->buf + c->head, used);
    c->head = 0;
    c->tail = used;
    if (c->cap - c->tail >= want)
      return 1;
  }
  cap = c->cap ? c->cap : READ_CHUNK;
  while (cap - used < want)
    cap *= 2;
  nbuf = realloc(c->buf, cap);
  if (!nbuf)
    return 0;
  c->buf = nbuf;
  c->cap = cap;
  return 1;
}

/* Writes as much of the queue as the socket takes, then decides which
 * watchers are needed.  Returns 0 when the connection was closed (and
 * freed), 1 otherwise. */
static int
conn_flush(struct conn *c)
{
  struct ev_loop *loop = c->srv->loop;
  size_t queued;
  int moved = 0;

  while (c->head < c->tail) {
    ssize_t n = write(c->fd, c->buf + c->head, c->tail - c->head);

    if (n > 0) {
      c->head += (size_t)n;
      c->srv->stats.bytes += (unsigned long long)n;
      moved = 1;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      server_log(c->srv, "#%lu write: %s", c->id, strerror(errno));
      conn_close(c, CLOSE_ERROR);
      return 0;
    }
  }
  if (moved)
    conn_touch(c);

  queued = c->tail - c->head;
  if (queued == 0) {
    c->head = c->tail = 0;
    ev_io_stop(loop, &c->write_watcher);
    if (c->peer_done) {
      conn_close(c, CLOSE_DONE);
      return 0;
    }
  } else if (!ev_is_active(&c->write_watcher)) {
    /* The socket is full: let the loop tell us when it drains rather
     * than retrying (or blocking) here. */
    c->srv->stats.write_waits++;
    ev_io_start(loop, &c->write_watcher);
  }

  /* Back-pressure: a peer that does not read its echo stops being read. */
  if (!c->peer_done) {
    if (queued >= HIGH_WATER && ev_is_active(&c->read_watcher)) {
      c->srv->stats.read_pauses++;
      ev_io_stop(loop, &c->read_watcher);
    } else if (queued <= LOW_WATER && !ev_is_active(&c->read_watcher))
      ev_io_start(loop, &c->read_watcher);
  }
  return 1;
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct conn *c = w->data;
  ssize_t n;

  (void)revents;
  if (!conn_reserve(c, READ_CHUNK)) {
    server_log(c->srv, "#%lu out of memory", c->id);
    conn_close(c, CLOSE_ERROR);
    return;
  }
  n = read(c->fd, c->buf + c->tail, c->cap - c->tail);
  if (n > 0) {
    c->tail += (size_t)n;
    conn_touch(c);
    conn_flush(c);
  } else if (n == 0) {
    /* The peer shut down its side; whatever is queued still goes out
     * before we close (conn_flush closes once the queue is empty). */
    server_log(c->srv, "#%lu end of input", c->id);
    c->peer_done = 1;
    ev_io_stop(loop, &c->read_watcher);
    conn_flush(c);
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    server_log(c->srv, "#%lu read: %s", c->id, strerror(errno));
    conn_close(c, CLOSE_ERROR);
  }
}

static void
conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  (void)loop;
  (void)revents;
  conn_flush(w->data);
}

static void
conn_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)revents;
  conn_close(w->data, CLOSE_IDLE);
}

static void
conn_open(struct server *srv, int fd)
{
  struct conn *c;

  if (set_nonblock_cloexec(fd) < 0 || !(c = calloc(1, sizeof *c))) {
    fprintf(stderr, "echo_server: cannot set up a connection: %s\n",
            strerror(errno));
    close(fd);
    return;
  }
  c->srv = srv;
  c->fd = fd;
  c->id = ++srv->stats.accepted;

  /* Each watcher carries its connection in `data`, so the callbacks need
   * no globals and no pointer arithmetic. */
  ev_io_init(&c->read_watcher, conn_read_cb, fd, EV_READ);
  c->read_watcher.data = c;
  ev_io_init(&c->write_watcher, conn_write_cb, fd, EV_WRITE);
  c->write_watcher.data = c;
  /* The idle timer only ever uses `repeat` and ev_timer_again. */
  ev_init(&c->idle_timer, conn_idle_cb);
  c->idle_timer.repeat = srv->cfg.idle_timeout;
  c->idle_timer.data = c;

  c->next = srv->conns;
  if (c->next)
    c->next->prev = c;
  srv->conns = c;
  if (++srv->nconns > srv->stats.peak)
    srv->stats.peak = srv->nconns;

  ev_io_start(srv->loop, &c->read_watcher);
  conn_touch(c);
  server_log(srv, "#%lu accepted, fd %d, %lu open", c->id, fd, srv->nconns);
}

/* ---- accepting --------------------------------------------------------- */

static int
may_accept(const struct server *srv)
{
  const struct server_config *cfg = &srv->cfg;

  return !srv->stopping && !srv->accept_paused
         && (!cfg->max_conns || srv->nconns < cfg->max_conns)
         && (!cfg->exit_after || srv->stats.accepted < cfg->exit_after);
}

/* The listening watcher runs only while we may take a connection.  When it
 * is stopped, new clients wait in the kernel's backlog. */
static void
update_accepting(struct server *srv)
{
  int want = may_accept(srv);

  if (want && !ev_is_active(&srv->accept_watcher))
    ev_io_start(srv->loop, &srv->accept_watcher);
  else if (!want && ev_is_active(&srv->accept_watcher))
    ev_io_stop(srv->loop, &srv->accept_watcher);
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct server *srv = w->data;
  int i;

  (void)revents;
  for (i = 0; i < ACCEPT_BATCH && may_accept(srv); ++i) {
    int fd = accept(srv->listen_fd, NULL, NULL);

    if (fd >= 0) {
      conn_open(srv, fd);
    } else if (errno == EINTR || errno == ECONNABORTED) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    } else {
      /* Typically EMFILE: the client stays in the backlog and the socket
       * stays readable, so carrying on would spin.  Back off a little. */
      fprintf(stderr, "echo_server: accept: %s\n", strerror(errno));
      srv->accept_paused = 1;
      ev_timer_set(&srv->accept_retry, ACCEPT_RETRY, 0.);
      ev_timer_start(loop, &srv->accept_retry);
      break;
    }
  }
  update_accepting(srv);
}

static void
accept_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  struct server *srv = w->data;

  (void)loop;
  (void)revents;
  srv->accept_paused = 0;
  update_accepting(srv);
}

/* ---- ending ------------------------------------------------------------ */

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
  struct server *srv = w->data;

  (void)revents;
  server_log(srv, "signal %d, exiting", w->signum);
  srv->stopping = 1;
  ev_break(loop, EVBREAK_ALL);
}

static void
lifetime_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  struct server *srv = w->data;

  (void)revents;
  fprintf(stderr, "echo_server: lifetime of %.1f s is over, exiting\n",
          srv->cfg.lifetime);
  srv->stopping = 1;
  ev_break(loop, EVBREAK_ALL);
}

/* Stops every watcher and releases every resource, leaving the loop with
 * nothing active. */
static void
server_teardown(struct server *srv)
{
  srv->stopping = 1;
  while (srv->conns)
    conn_close(srv->conns, CLOSE_SHUTDOWN);
  ev_io_stop(srv->loop, &srv->accept_watcher);
  ev_timer_stop(srv->loop, &srv->accept_retry);
  ev_timer_stop(srv->loop, &srv->lifetime_timer);
  ev_signal_stop(srv->loop, &srv->sigint_watcher);
  ev_signal_stop(srv->loop, &srv->sigterm_watcher);
  close(srv->listen_fd);
  srv->listen_fd = -1;
}

/* ---- command line ------------------------------------------------------ */

static void
usage(FILE *out)
{
  fputs("usage: echo_server [options] [PORT]\n"
        "Echoes every byte back to TCP clients on 127.0.0.1:PORT "
        "(0 or none: any free port).\n"
        "  -i, --idle SECONDS      close connections idle this long "
        "(default 30, 0: never)\n"
        "  -m, --max-conns N       serve at most N connections at once\n"
        "  -x, --exit-after N      exit after N connections have closed\n"
        "  -l, --lifetime SECONDS  exit after this long in any case\n"
        "  -b, --backend NAME      use this backend (see --list-backends)\n"
        "      --list-backends     print the backends available here\n"
        "  -v, --verbose           log connections on stderr\n"
        "  -h, --help              show this help\n",
        out);
}

static int
parse_double(const char *s, double *out)
{
  char *end;
  double v;

  errno = 0;
  v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= 0 && v < 1e9))
    return 0;
  *out = v;
  return 1;
}

static int
parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul(s, &end, 10);
  if (errno || end == s || *end || *s == '-' || v > max)
    return 0;
  *out = v;
  return 1;
}

static int
parse_backend(const char *s, unsigned int *out)
{
  size_t i;

  for (i = 0; i < N_BACKENDS; ++i)
    if (!strcmp(s, backends[i].name)) {
      *out = backends[i].flag;
      return 1;
    }
  return 0;
}

static void
list_backends(void)
{
  unsigned int have = ev_supported_backends();
  size_t i;
  const char *sep = "";

  for (i = 0; i < N_BACKENDS; ++i)
    if (have & backends[i].flag) {
      printf("%s%s", sep, backends[i].name);
      sep = " ";
    }
  putchar('\n');
}

/* Returns 0 to run, or an exit status + 1. */
static int
parse_args(int argc, char **argv, struct server_config *cfg)
{
  static const struct option longopts[] = {
    { "idle", required_argument, NULL, 'i' },
    { "max-conns", required_argument, NULL, 'm' },
    { "exit-after", required_argument, NULL, 'x' },
    { "lifetime", required_argument, NULL, 'l' },
    { "backend", required_argument, NULL, 'b' },
    { "list-backends", no_argument, NULL, 'L' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  unsigned long port = 0;
  int opt;

  while ((opt = getopt_long(argc, argv, "i:m:x:l:b:vh", longopts, NULL))
         != -1) {
    int good = 1;

    switch (opt) {
    case 'i': good = parse_double(optarg, &cfg->idle_timeout); break;
    case 'm': good = parse_ulong(optarg, 1000000, &cfg->max_conns); break;
    case 'x': good = parse_ulong(optarg, 1000000000, &cfg->exit_after); break;
    case 'l': good = parse_double(optarg, &cfg->lifetime); break;
    case 'b': good = parse_backend(optarg, &cfg->backend); break;
    case 'L': list_backends(); return 1;
    case 'v': cfg->verbose = 1; break;
    case 'h': usage(stdout); return 1;
    default: usage(stderr); return 3;
    }
    if (!good) {
      fprintf(stderr, "echo_server: bad value for -%c: %s\n", opt, optarg);
      return 3;
    }
  }
  if (optind < argc && !parse_ulong(argv[optind++], 65535, &port)) {
    fprintf(stderr, "echo_server: bad port: %s\n", argv[optind - 1]);
    return 3;
  }
  if (optind < argc) {
    usage(stderr);
    return 3;
  }
  cfg->port = (int)port;
  return 0;
}

/* ---- main -------------------------------------------------------------- */

int
main(int argc, char **argv)
{
  struct server srv;
  struct sigaction sa;
  int port, status;

  memset(&srv, 0, sizeof srv);
  srv.listen_fd = -1;
  srv.cfg.idle_timeout = 30.;
  if ((status = parse_args(argc, argv, &srv.cfg)))
    return status - 1;

  /* A peer that resets while we write would otherwise kill the process
   * with SIGPIPE; with it ignored, write() fails with EPIPE instead. */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);

  if (srv.cfg.backend && !(ev_supported_backends() & srv.cfg.backend)) {
    fprintf(stderr, "echo_server: backend %s is not supported here\n",
            backend_name(srv.cfg.backend));
    return 1;
  }
  /* A backend bit asks for that backend only (and NOENV keeps LIBEV_FLAGS
   * from overriding the choice); 0 lets the library pick the best one. */
  srv.loop = ev_default_loop(srv.cfg.backend
                             ? srv.cfg.backend | EVFLAG_NOENV : EVFLAG_AUTO);
  if (!srv.loop) {
    fputs("echo_server: cannot initialise the event loop\n", stderr);
    return 1;
  }

  srv.started = ev_now(srv.loop);
  srv.listen_fd = listen_on_loopback(srv.cfg.port, &port);
  if (srv.listen_fd < 0) {
    fprintf(stderr, "echo_server: cannot listen on 127.0.0.1:%d: %s\n",
            srv.cfg.port, strerror(errno));
    ev_loop_destroy(srv.loop);
    return 1;
  }

  ev_io_init(&srv.accept_watcher, accept_cb, srv.listen_fd, EV_READ);
  srv.accept_watcher.data = &srv;
  ev_init(&srv.accept_retry, accept_retry_cb);
  srv.accept_retry.data = &srv;
  ev_signal_init(&srv.sigint_watcher, signal_cb, SIGINT);
  srv.sigint_watcher.data = &srv;
  ev_signal_start(srv.loop, &srv.sigint_watcher);
  ev_signal_init(&srv.sigterm_watcher, signal_cb, SIGTERM);
  srv.sigterm_watcher.data = &srv;
  ev_signal_start(srv.loop, &srv.sigterm_watcher);
  ev_timer_init(&srv.lifetime_timer, lifetime_cb, srv.cfg.lifetime, 0.);
  srv.lifetime_timer.data = &srv;
  if (srv.cfg.lifetime > 0)
    ev_timer_start(srv.loop, &srv.lifetime_timer);
  update_accepting(&srv);

  /* Scripts wait for this line to learn the port: flush it now. */
  printf("listening on 127.0.0.1 %d\n", port);
  fflush(stdout);
  server_log(&srv, "backend %s, idle timeout %.3f s",
             backend_name(ev_backend(srv.loop)), srv.cfg.idle_timeout);

  ev_run(srv.loop, 0);

  server_teardown(&srv);
  printf("stats: backend=%s accepted=%lu closed=%lu idle_closes=%lu "
         "errors=%lu peak=%lu write_waits=%lu read_pauses=%lu bytes=%llu\n",
         backend_name(ev_backend(srv.loop)), srv.stats.accepted, srv.stats.closed, srv.stats.idle_closes,
         srv.stats.errors, srv.stats.peak, srv.stats.write_waits,
         srv.stats.read_pauses, srv.stats.bytes);
  fflush(stdout);
  ev_loop_destroy(srv.loop);
  return 0;
}
