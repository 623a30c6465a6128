/* echo_client.c - scripted checks against echo_server.
 *
 * Plain POSIX C around poll(), deliberately without libev: the client
 * judges the server, so it must not share the event loop under test.
 *
 * All connections run at the same time from one poll() loop:
 *  - K "echo" connections send payloads of different sizes in different
 *    write sizes, half-close, and must get every byte back, then EOF.
 *    One is large (8 MiB by default: more than the kernel buffers between
 *    us hold) and leaves its echo unread for a moment, so the server's
 *    writes have to wait for its write watcher;
 *  - one "reset" connection sends data and aborts with an RST as soon as
 *    the echo starts, which the server has to survive;
 *  - one "keepalive" connection sends several small rounds with pauses
 *    shorter than the idle timeout but adding up to more than it: it must
 *    stay open, so the server's timer has to restart on traffic;
 *  - one "silent" connection sends nothing and must be closed by the
 *    server after the idle timeout (not before, and not much later);
 *  - one "late" connection waits, sends one line, then stays silent: the
 *    server must close it one idle timeout after that line, not after
 *    connecting.
 *
 * Prints one "check NAME: ok|FAIL (...)" line per check, an "expect:" line
 * with the numbers the server's own stats must show, and "result: PASS" or
 * "result: FAIL".  Exit status 0 only when everything passed.  The whole
 * run is bounded by --timeout.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime, getopt with -std=c99 */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A close can never come before the idle timeout has passed (the server's
 * timer starts after our traffic), so this only absorbs clock rounding. */
#define EARLY_TOLERANCE 0.02
/* Pause between keepalive rounds, and the late connection's wait before
 * its line, as fractions of the idle timeout. */
#define KEEPALIVE_PAUSE 0.4
#define KEEPALIVE_ROUNDS 5
#define LATE_DELAY 0.5
/* The large connection leaves its echo unread for this many seconds (at
 * most a quarter of the idle timeout, so the server does not see it as
 * idle), and has a small receive buffer: the server's socket fills up, so
 * it has to wait for its write watcher and, with enough queued, stop
 * reading. */
#define BIG_STALL 0.25
#define BIG_RCVBUF (16 * 1024)

enum kind { K_ECHO, K_RESET, K_KEEPALIVE, K_SILENT, K_LATE };

static const char *const kind_names[] = {
  "echo", "reset", "keepalive", "silent", "late"
};

struct options {
  unsigned short port;
  int clients;         /* echo connections */
  double idle;         /* the server's idle timeout */
  double margin;       /* allowed lateness of an idle close */
  size_t big;          /* size of the largest payload */
  double timeout;      /* limit for the whole run */
  int echo_only;       /* no timing checks (for --max-conns runs) */
};

struct session {
  enum kind kind;
  int id;
  int fd;
  unsigned char *payload; /* everything this connection sends */
  size_t size;
  size_t round_size;      /* payload is sent in rounds of this size */
  size_t chunk;           /* largest single write() */
  size_t sent, received;
  double pause;           /* between rounds */
  double t_start;         /* connect() called */
  double t_send_after;    /* the current round may not start before */
  double t_last_send;     /* the last payload byte was written */
  double t_closed;        /* the server's EOF arrived */
  double t_read_after;    /* leave the echo unread until then */
  int connecting;
  int big;                /* the large one: small buffer, reads late */
  int shut_wr;
  int finished;
  int failed;
  char problem[200];
};

struct run {
  struct options opt;
  struct session *sessions;
  int n;
};

static double
mono_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static void fail(struct session *s, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Marks the session failed with the first reason given; closes it. */
static void
fail(struct session *s, const char *fmt, ...)
{
  va_list ap;

  if (s->failed || s->finished)
    return;
  s->failed = 1;
  va_start(ap, fmt);
  vsnprintf(s->problem, sizeof s->problem, fmt, ap);
  va_end(ap);
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
}

static void
finish(struct session *s, double now)
{
  s->finished = 1;
  s->t_closed = now;
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
}

/* ---- building the script ----------------------------------------------- */

/* Deterministic bytes, different for every connection. */
static void
fill_random(unsigned char *p, size_t n, unsigned int seed)
{
  unsigned int x = seed * 2654435761u + 1;
  size_t i;

  for (i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = (unsigned char)(x >> 24);
  }
}

static void
fill_text(unsigned char *p, size_t n)
{
  static const char line[] = "the quick brown fox jumps over the lazy dog\n";
  size_t i;

  for (i = 0; i < n; ++i)
    p[i] = (unsigned char)line[i % (sizeof line - 1)];
}

static int
count_sessions(const struct options *opt)
{
  return opt->clients + 1 + (opt->echo_only ? 0 : 3);
}

static int
add_session(struct run *r, enum kind kind, size_t size, size_t chunk)
{
  struct session *s = &r->sessions[r->n];

  memset(s, 0, sizeof *s);
  s->kind = kind;
  s->id = ++r->n;
  s->fd = -1;
  s->size = size;
  s->round_size = size ? size : 1;
  s->chunk = chunk;
  /* malloc(0) may return NULL, so always ask for at least one byte. */
  s->payload = malloc(size ? size : 1);
  if (!s->payload)
    return 0;
  if (kind == K_ECHO && s->id % 3 == 0)
    fill_text(s->payload, size);
  else
    fill_random(s->payload, size, (unsigned int)s->id);
  return 1;
}

static int
build_script(struct run *r)
{
  /* Sizes and write sizes of the echo connections: the first one is the
   * large one, the others cover one byte, a text line in single bytes, a
   * page, an odd size just above 64 KiB, and nothing at all. */
  static const size_t sizes[] = { 0, 1, 44, 4096, 65537, 0 };
  static const size_t chunks[] = { 65536, 1, 1, 4096, 777, 1 };
  const struct options *opt = &r->opt;
  int i;

  r->sessions = calloc((size_t)count_sessions(opt), sizeof *r->sessions);
  if (!r->sessions)
    return 0;
  for (i = 0; i < opt->clients; ++i) {
    size_t size, chunk;

    if (i == 0) {
      size = opt->big;
      chunk = 65536;
    } else if (i < (int)(sizeof sizes / sizeof sizes[0])) {
      size = sizes[i];
      chunk = chunks[i];
    } else {
      /* Extra clients: assorted sizes up to 192 KiB. */
      size = (size_t)((i * 40503u) % (192 * 1024)) + 1;
      chunk = (size_t)(i * 131) % 16384 + 1;
    }
    if (!add_session(r, K_ECHO, size, chunk))
      return 0;
    if (i == 0)
      r->sessions[r->n - 1].big = 1;
  }
  if (!add_session(r, K_RESET, 256 * 1024, 65536))
    return 0;
  if (opt->echo_only)
    return 1;

  if (!add_session(r, K_KEEPALIVE, KEEPALIVE_ROUNDS * 100, 100))
    return 0;
  r->sessions[r->n - 1].round_size = 100;
  r->sessions[r->n - 1].pause = opt->idle * KEEPALIVE_PAUSE;
  if (!add_session(r, K_SILENT, 0, 1))
    return 0;
  if (!add_session(r, K_LATE, 5, 5))
    return 0;
  memcpy(r->sessions[r->n - 1].payload, "ping\n", 5);
  r->sessions[r->n - 1].pause = opt->idle * LATE_DELAY;
  return 1;
}

/* ---- one connection ---------------------------------------------------- */

static void
start_session(struct session *s, const struct options *opt, double now)
{
  struct sockaddr_in sa;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  s->t_start = now;
  /* The late connection waits before its first (only) round. */
  s->t_send_after = s->kind == K_LATE ? now + s->pause : now;
  s->t_read_after = now;
  if (s->big)
    s->t_read_after += opt->idle > 0 && opt->idle / 4 < BIG_STALL
                       ? opt->idle / 4 : BIG_STALL;
  if (fd < 0) {
    fail(s, "socket: %s", strerror(errno));
    return;
  }
  s->fd = fd;
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
    fail(s, "fcntl: %s", strerror(errno));
    return;
  }
  if (s->big) {
    int size = BIG_RCVBUF;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(opt->port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
    s->connecting = 0;
  else if (errno == EINPROGRESS)
    s->connecting = 1;
  else
    fail(s, "connect: %s", strerror(errno));
}

/* End of the round being sent: the payload goes out in rounds of
 * round_size bytes (one round for most connections). */
static size_t
round_end(const struct session *s)
{
  size_t end = (s->sent / s->round_size + 1) * s->round_size;

  return end < s->size ? end : s->size;
}

/* Whether the script allows writing now, leaving aside t_send_after. */
static int
may_send(const struct session *s)
{
  if (s->fd < 0 || s->connecting || s->sent >= s->size)
    return 0;
  /* Mid-round, carry on; a new round waits for the last one's echo. */
  return s->sent % s->round_size != 0 || s->received == s->sent;
}

/* Writes what the script allows, until the socket is full. */
static void
do_write(struct session *s, double now)
{
  while (may_send(s)) {
    size_t want = round_end(s) - s->sent;
    ssize_t n;

    if (want > s->chunk)
      want = s->chunk;
    n = write(s->fd, s->payload + s->sent, want);
    if (n > 0) {
      s->sent += (size_t)n;
      if (s->sent == s->size)
        s->t_last_send = now;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else {
      fail(s, "write after %zu bytes: %s", s->sent,
           n < 0 ? strerror(errno) : "wrote nothing");
      return;
    }
  }
}

static void
do_read(struct session *s, double now)
{
  unsigned char buf[64 * 1024];
  int i;

  for (i = 0; i < 16 && s->fd >= 0; ++i) {
    ssize_t n = read(s->fd, buf, sizeof buf);
    size_t k;

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (n < 0) {
      fail(s, "read after %zu of %zu bytes: %s", s->received, s->size,
           strerror(errno));
      return;
    }
    if (n == 0) {
      /* The server closed.  Only legitimate once everything came back,
       * and for echo connections only after our own half-close. */
      if (s->received < s->size)
        fail(s, "server closed after %zu of %zu bytes came back (%.3f s "
             "after connecting)", s->received, s->size, now - s->t_start);
      else if ((s->kind == K_ECHO || s->kind == K_KEEPALIVE) && !s->shut_wr)
        fail(s, "server closed before we half-closed");
      else
        finish(s, now);
      return;
    }
    if (s->received + (size_t)n > s->sent) {
      fail(s, "got %zu bytes back but only sent %zu",
           s->received + (size_t)n, s->sent);
      return;
    }
    for (k = 0; k < (size_t)n; ++k)
      if (buf[k] != s->payload[s->received + k]) {
        fail(s, "byte %zu came back as 0x%02x, sent 0x%02x",
             s->received + k, buf[k], s->payload[s->received + k]);
        return;
      }
    s->received += (size_t)n;
    /* A round came back in full: the next one waits `pause`. */
    if (s->received == s->sent && s->sent < s->size
        && s->sent % s->round_size == 0)
      s->t_send_after = now + s->pause;
  }
}

/* Moves the script forward after I/O: abort or half-close. */
static void
advance(struct session *s, double now)
{
  if (s->fd < 0 || s->connecting)
    return;
  if (s->kind == K_RESET && s->received > 0) {
    /* Linger 0 turns close() into an RST: an abrupt end for the server. */
    struct linger lg = { 1, 0 };
    setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    finish(s, now);
    return;
  }
  if ((s->kind == K_ECHO || s->kind == K_KEEPALIVE) && !s->shut_wr
      && s->sent == s->size) {
    if (shutdown(s->fd, SHUT_WR) < 0) {
      fail(s, "shutdown: %s", strerror(errno));
      return;
    }
    s->shut_wr = 1;
  }
}

/* ---- the loop ---------------------------------------------------------- */

static void
run_all(struct run *r)
{
  struct pollfd *pfd = calloc((size_t)r->n, sizeof *pfd);
  struct session **who = calloc((size_t)r->n, sizeof *who);
  double now = mono_now();
  double deadline = now + r->opt.timeout;
  int i;

  if (!pfd || !who) {
    fputs("echo_client: out of memory\n", stderr);
    exit(1);
  }
  for (i = 0; i < r->n; ++i)
    start_session(&r->sessions[i], &r->opt, now);

  for (;;) {
    double wake = deadline;
    int nfds = 0, ms;

    now = mono_now();
    for (i = 0; i < r->n; ++i) {
      struct session *s = &r->sessions[i];
      short ev = 0;

      if (s->fd < 0)
        continue;
      if (s->connecting) {
        ev = POLLOUT;
      } else {
        if (now >= s->t_read_after)
          ev |= POLLIN;
        else if (s->t_read_after < wake)
          wake = s->t_read_after;
        if (may_send(s)) {
          if (now >= s->t_send_after)
            ev |= POLLOUT;
          else if (s->t_send_after < wake)
            wake = s->t_send_after;
        }
      }
      pfd[nfds].fd = s->fd;
      pfd[nfds].events = ev;
      pfd[nfds].revents = 0;
      who[nfds++] = s;
    }
    if (!nfds)
      break;
    if (now >= deadline) {
      for (i = 0; i < nfds; ++i)
        fail(who[i], "no result within %.1f s (sent %zu, received %zu "
             "of %zu bytes)", r->opt.timeout, who[i]->sent,
             who[i]->received, who[i]->size);
      break;
    }
    ms = (int)((wake - now) * 1000.) + 1;
    if (poll(pfd, (nfds_t)nfds, ms) < 0) {
      if (errno == EINTR)
        continue;
      perror("echo_client: poll");
      exit(1);
    }
    now = mono_now();
    for (i = 0; i < nfds; ++i) {
      struct session *s = who[i];
      short rev = pfd[i].revents;

      if (s->connecting && rev) {
        int err = 0;
        socklen_t len = sizeof err;

        getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
          fail(s, "connect: %s", strerror(err));
          continue;
        }
        s->connecting = 0;
      }
      /* An error or hang-up is read at once, stalled or not. */
      if ((rev & (POLLERR | POLLHUP))
          || (now >= s->t_read_after && (rev & POLLIN)))
        do_read(s, now);
      if (now >= s->t_send_after)
        do_write(s, now);
      advance(s, now);
    }
  }
  free(pfd);
  free(who);
}

/* ---- verdict ----------------------------------------------------------- */

static int
report(const char *name, int good, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int
report(const char *name, int good, const char *fmt, ...)
{
  va_list ap;

  printf("check %s: %s (", name, good ? "ok" : "FAIL");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  puts(")");
  return good;
}

static void
describe_failures(const struct run *r, enum kind a, enum kind b)
{
  int i;

  for (i = 0; i < r->n; ++i) {
    const struct session *s = &r->sessions[i];

    if ((s->kind == a || s->kind == b) && s->failed)
      printf("  connection %d (%s, %zu bytes): %s\n", s->id,
             kind_names[s->kind], s->size, s->problem);
  }
}

static struct session *
find_kind(struct run *r, enum kind k)
{
  int i;

  for (i = 0; i < r->n; ++i)
    if (r->sessions[i].kind == k)
      return &r->sessions[i];
  return NULL;
}

/* Checks an idle close: `since` is the last traffic on that connection. */
static int
check_idle_close(const char *name, const struct session *s, double since,
                 const struct options *opt)
{
  double lo = opt->idle - EARLY_TOLERANCE, hi = opt->idle + opt->margin;
  double took = s->t_closed - since;

  if (!s->finished)
    return report(name, 0, "connection %d: %s", s->id, s->problem);
  return report(name, took >= lo && took <= hi,
                "closed %.3f s after its last traffic, %.3f s after "
                "connecting; allowed %.3f..%.3f", took,
                s->t_closed - s->t_start, lo, hi);
}

static int
timing_checks(struct run *r)
{
  const struct options *opt = &r->opt;
  struct session *s = find_kind(r, K_KEEPALIVE);
  int all_ok = 1;

  if (!s->finished) {
    all_ok &= report("keepalive", 0, "connection %d: %s", s->id, s->problem);
  } else {
    double open_for = s->t_closed - s->t_start;
    /* Only meaningful if it outlived one idle timeout. */
    all_ok &= report("keepalive", open_for > opt->idle,
                     "%d rounds %.3f s apart, open %.3f s against an idle "
                     "timeout of %.3f s", KEEPALIVE_ROUNDS, s->pause,
                     open_for, opt->idle);
  }
  s = find_kind(r, K_SILENT);
  all_ok &= check_idle_close("idle", s, s->t_start, opt);
  s = find_kind(r, K_LATE);
  all_ok &= check_idle_close("idle-after-activity", s, s->t_last_send, opt);
  return all_ok;
}

static int
verdict(struct run *r)
{
  const struct options *opt = &r->opt;
  unsigned long long bytes = 0;
  int i, echo_ok = 1, echoes = 0, all_ok = 1;
  struct session *s;

  for (i = 0; i < r->n; ++i) {
    s = &r->sessions[i];
    if (s->kind != K_ECHO && s->kind != K_RESET)
      continue;
    if (s->failed || !s->finished)
      echo_ok = 0;
    if (s->kind == K_ECHO) {
      echoes++;
      bytes += s->received;
    }
  }
  all_ok &= report("echo", echo_ok, "%d connections, %llu bytes echoed and "
                   "verified, largest %zu; 1 aborted by the client",
                   echoes, bytes, opt->big);
  if (!echo_ok)
    describe_failures(r, K_ECHO, K_RESET);
  if (!opt->echo_only)
    all_ok &= timing_checks(r);

  printf("expect: connections=%d idle_closes=%d\n", r->n,
         opt->echo_only ? 0 : 2);
  printf("result: %s\n", all_ok ? "PASS" : "FAIL");
  return all_ok;
}

/* ---- command line ------------------------------------------------------ */

static void
usage(FILE *out)
{
  fputs("usage: echo_client [options] PORT\n"
        "Checks the echo server on 127.0.0.1:PORT.\n"
        "  -k, --clients K      echo connections (default 6)\n"
        "  -i, --idle SECONDS   the server's idle timeout (default 1)\n"
        "  -M, --margin SECONDS allowed lateness of idle closes "
        "(default 1.5)\n"
        "  -B, --big BYTES      size of the largest payload "
        "(default 8388608)\n"
        "  -t, --timeout SECONDS  give up after this long (default 30)\n"
        "  -e, --echo-only      only the echo checks, no timing checks\n"
        "  -n, --count          print how many connections a run opens\n"
        "  -h, --help           show this help\n",
        out);
}

static int
parse_double(const char *s, double *out)
{
  char *end;
  double v;

  errno = 0;
  v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= 0 && v < 1e6))
    return 0;
  *out = v;
  return 1;
}

static int
parse_ulong(const char *s, unsigned long lo, unsigned long hi,
            unsigned long *out)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul(s, &end, 10);
  if (errno || end == s || *end || *s == '-' || v < lo || v > hi)
    return 0;
  *out = v;
  return 1;
}

int
main(int argc, char **argv)
{
  static const struct option longopts[] = {
    { "clients", required_argument, NULL, 'k' },
    { "idle", required_argument, NULL, 'i' },
    { "margin", required_argument, NULL, 'M' },
    { "big", required_argument, NULL, 'B' },
    { "timeout", required_argument, NULL, 't' },
    { "echo-only", no_argument, NULL, 'e' },
    { "count", no_argument, NULL, 'n' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  struct run r;
  struct sigaction sa;
  unsigned long v;
  int opt, count_only = 0, good, i;

  memset(&r, 0, sizeof r);
  r.opt.clients = 6;
  r.opt.idle = 1.;
  r.opt.margin = 1.5;
  r.opt.big = 8 * 1024 * 1024;
  r.opt.timeout = 30.;
  while ((opt = getopt_long(argc, argv, "k:i:M:B:t:enh", longopts, NULL))
         != -1) {
    good = 1;
    switch (opt) {
    case 'k':
      good = parse_ulong(optarg, 1, 1000, &v);
      r.opt.clients = (int)v;
      break;
    case 'i': good = parse_double(optarg, &r.opt.idle); break;
    case 'M': good = parse_double(optarg, &r.opt.margin); break;
    case 'B':
      good = parse_ulong(optarg, 1, 256ul << 20, &v);
      r.opt.big = v;
      break;
    case 't': good = parse_double(optarg, &r.opt.timeout); break;
    case 'e': r.opt.echo_only = 1; break;
    case 'n': count_only = 1; break;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return 2;
    }
    if (!good) {
      fprintf(stderr, "echo_client: bad value for -%c: %s\n", opt, optarg);
      return 2;
    }
  }
  if (count_only) {
    printf("%d\n", count_sessions(&r.opt));
    return 0;
  }
  if (optind != argc - 1 || !parse_ulong(argv[optind], 1, 65535, &v)) {
    usage(stderr);
    return 2;
  }
  r.opt.port = (unsigned short)v;
  if (!r.opt.echo_only && !(r.opt.idle > 0)) {
    fputs("echo_client: the idle checks need --idle > 0 "
          "(or use --echo-only)\n", stderr);
    return 2;
  }

  /* Writing to a connection the server reset must fail, not kill us. */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);

  if (!build_script(&r)) {
    fputs("echo_client: out of memory\n", stderr);
    return 1;
  }
  printf("echo_client: %d connections to 127.0.0.1:%u", r.n,
         (unsigned)r.opt.port);
  if (r.opt.echo_only)
    printf(", echo checks only\n");
  else
    printf(", idle timeout %.3f s, margin %.3f s\n", r.opt.idle,
           r.opt.margin);
  fflush(stdout);

  run_all(&r);
  good = verdict(&r);
  for (i = 0; i < r.n; ++i)
    free(r.sessions[i].payload);
  free(r.sessions);
  return good ? 0 : 1;
}
