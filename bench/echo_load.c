/* echo_load.c - a load generator for TCP echo and HTTP/1.1 keep-alive
 * servers on 127.0.0.1, for the Ruby scheduler benchmark (ruby_bench.sh).
 *
 * Opens C connections to 127.0.0.1:PORT and keeps one request in flight
 * on each: the next request goes out as soon as the whole reply to the
 * previous one is back.  Every reply byte is compared with what it must
 * be (the echo of the message, whose bytes differ per connection and per
 * message, or the fixed HTTP response), so a server that loses, reorders
 * or mixes up bytes fails the run instead of looking fast.
 *
 * Phases: connect (plain blocking connects, one after the other), a
 * warm-up that lasts at least W seconds and until every connection has
 * completed a round trip (a server that accepts slowly delays the
 * measurement instead of polluting it), the timed window of D seconds,
 * then a drain of the requests still in flight (checked too).
 *
 * Written directly on epoll, with no event library, so that it does not
 * depend on the code it measures.  Output: "NAME VALUE UNIT" lines as in
 * the C suite (bench/run.sh), notes start with '#'.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"

#define MAX_MSG 4096
#define MAX_EVENTS 512
/* The longest a server may take to answer every connection once. */
#define WARMUP_LIMIT_S 20.0
/* The longest the requests in flight at the end may take to come back. */
#define DRAIN_LIMIT_S 5.0

/* The request and the one reply the HTTP mode accepts; ruby_echo_server.rb
 * sends exactly this response. */
static const char http_request[] =
  "GET /bench HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
static const char http_response[] =
  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n"
  "\r\nHello, world\n";

enum mode { ECHO, HTTP };

struct conn {
  int fd;
  int idx;
  uint32_t seq;     /* messages sent on this connection */
  size_t sent;      /* bytes of the current request written */
  size_t got;       /* bytes of the current reply checked */
  int want_out;     /* EPOLLOUT registered: the request did not fit */
  int busy;         /* a request is in flight */
  uint64_t t0;      /* when the current request started */
  char out[MAX_MSG];
};

static enum mode mode = ECHO;
static size_t msg_size = 64;
static int nconns = 100;
static double duration = 2.0, warmup = 0.5;
static int port;
static long server_pid;
static const char *name = "echo";
static int epfd;
static struct conn *conns;
static long done_all;       /* round trips completed, all phases */
static int warmed;          /* connections with a completed round trip */
static uint32_t *lat;       /* latencies in the timed window, in ns */
static size_t nlat, cap_lat;
static int timing;          /* in the timed window: record latencies */
static int stopping;        /* draining: send no new requests */

/* The byte at position j of message seq on connection idx: it differs
 * between neighbouring connections and consecutive messages, so a reply
 * sent to the wrong connection, or an old one, does not match. */
static unsigned char
echo_byte(int idx, uint32_t seq, size_t j)
{
  uint32_t x = (uint32_t)idx * 2654435761u ^ seq * 40503u ^ (uint32_t)j;

  x ^= x >> 13;
  x *= 0x5bd1e995u;
  return (unsigned char)(x ^ (x >> 15));
}

static size_t
request_len(void)
{
  return mode == HTTP ? sizeof http_request - 1 : msg_size;
}

static size_t
reply_len(void)
{
  return mode == HTTP ? sizeof http_response - 1 : msg_size;
}

static void
set_events(struct conn *c, int out)
{
  struct epoll_event ev;

  if (c->want_out == out)
    return;
  ev.events = EPOLLIN | (out ? EPOLLOUT : 0u);
  ev.data.ptr = c;
  if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
    bench_fail("epoll_ctl: %s", strerror(errno));
  c->want_out = out;
}

/* Writes what is left of the current request; waits for EPOLLOUT if the
 * socket takes only part of it. */
static void
flush_request(struct conn *c)
{
  size_t len = request_len();

  while (c->sent < len) {
    ssize_t n = send(c->fd, c->out + c->sent, len - c->sent, MSG_NOSIGNAL);
    if (n > 0) {
      c->sent += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      set_events(c, 1);
      return;
    }
    bench_fail("connection %d: send: %s", c->idx, n < 0 ? strerror(errno) : "0");
  }
  set_events(c, 0);
}

static void
start_request(struct conn *c)
{
  size_t j;

  ++c->seq;
  if (mode == HTTP)
    memcpy(c->out, http_request, sizeof http_request - 1);
  else
    for (j = 0; j < msg_size; ++j)
      c->out[j] = (char)echo_byte(c->idx, c->seq, j);
  c->sent = c->got = 0;
  c->busy = 1;
  c->t0 = bench_now_ns();
  flush_request(c);
}

static void
record(uint64_t ns)
{
  if (nlat == cap_lat) {
    size_t cap = cap_lat ? cap_lat * 2 : 1u << 16;
    uint32_t *p = realloc(lat, cap * sizeof *p);
    if (!p)
      bench_fail("out of memory");
    lat = p;
    cap_lat = cap;
  }
  lat[nlat++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

/* Reads what is there of the reply, checks every byte, and starts the
 * next request when the reply is complete. */
static void
on_readable(struct conn *c)
{
  unsigned char buf[MAX_MSG];
  size_t len = reply_len();

  for (;;) {
    size_t want = len - c->got, j;
    ssize_t n;

    if (!c->busy || want == 0) {
      /* Bytes nobody asked for: a broken server. */
      n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0)
        bench_fail("connection %d: %zd unexpected bytes", c->idx, n);
      return;
    }
    n = recv(c->fd, buf, want, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (n <= 0)
      bench_fail("connection %d: %s after %zu of %zu reply bytes (message %u)",
           c->idx, n < 0 ? strerror(errno) : "end of stream", c->got, len,
           c->seq);
    for (j = 0; j < (size_t)n; ++j) {
      size_t at = c->got + j;
      unsigned char expect = mode == HTTP
                               ? (unsigned char)http_response[at]
                               : echo_byte(c->idx, c->seq, at);
      if (buf[j] != expect)
        bench_fail("connection %d: reply byte %zu of message %u is 0x%02x, "
             "not 0x%02x", c->idx, at, c->seq, buf[j], expect);
    }
    c->got += (size_t)n;
    if (c->got < len)
      continue;
    /* The reply is complete. */
    c->busy = 0;
    ++done_all;
    if (c->seq == 1)
      ++warmed;
    if (timing)
      record(bench_now_ns() - c->t0);
    if (!stopping)
      start_request(c);
    /* The next reply cannot be there yet: no point in asking. */
    return;
  }
}

/* Runs the connections until `until` (monotonic ns); with `drain`, until
 * none has a request in flight. */
static void
pump(uint64_t until, int drain)
{
  struct epoll_event ev[MAX_EVENTS];

  for (;;) {
    uint64_t t = bench_now_ns();
    int n, i, ms, busy = 0;

    if (drain) {
      for (i = 0; i < nconns && !busy; ++i)
        busy = conns[i].busy;
      if (!busy)
        return;
    }
    if (t >= until)
      return;
    ms = (int)((until - t + 999999u) / 1000000u);
    n = epoll_wait(epfd, ev, MAX_EVENTS, ms > 100 ? 100 : ms);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      bench_fail("epoll_wait: %s", strerror(errno));
    }
    for (i = 0; i < n; ++i) {
      struct conn *c = ev[i].data.ptr;
      if (ev[i].events & EPOLLOUT)
        flush_request(c);
      if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        on_readable(c);
    }
  }
}

/* CPU time (user + system) of process pid so far, in seconds, from
 * /proc; -1 when it cannot be read.  The resolution is a clock tick. */
static double
proc_cpu(long pid)
{
  char path[64], buf[1024], *p;
  unsigned long utime, stime;
  FILE *f;
  size_t n;
  int field;

  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  f = fopen(path, "r");
  if (!f)
    return -1.;
  n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* The command name may hold spaces and parentheses: fields are counted
   * after its last ')'.  utime and stime are fields 14 and 15. */
  p = strrchr(buf, ')');
  if (!p)
    return -1.;
  for (field = 3; field <= 14 && p; ++field)
    p = strchr(p + 1, ' ');
  if (!p || sscanf(p, " %lu %lu", &utime, &stime) != 2)
    return -1.;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double
self_cpu(void)
{
  struct rusage ru;

  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int
cmp_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

  return x < y ? -1 : x > y;
}

static double
percentile_us(double q)
{
  size_t i;

  if (!nlat)
    return 0.;
  i = (size_t)(q * (double)(nlat - 1) + 0.5);
  return lat[i] / 1000.;
}

static void
metric(const char *suffix, double value, const char *unit)
{
  printf("%s%s %.2f %s\n", name, suffix, value, unit);
}

static void
open_conns(void)
{
  struct sockaddr_in sa;
  int i;

  /* Each connection is one descriptor here (and one in the server). */
  (void)bench_raise_nofile();
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  conns = calloc((size_t)nconns, sizeof *conns);
  if (!conns)
    bench_fail("out of memory");
  for (i = 0; i < nconns; ++i) {
    struct conn *c = &conns[i];
    struct epoll_event ev;
    int one = 1;

    c->idx = i;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
      bench_fail("socket (connection %d): %s", i, strerror(errno));
    while (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0)
      if (errno != EINTR)
        bench_fail("connect to 127.0.0.1:%d (connection %d): %s", port, i,
             strerror(errno));
    (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    bench_set_nonblock(c->fd);
    ev.events = EPOLLIN;
    ev.data.ptr = c;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
      bench_fail("epoll_ctl: %s", strerror(errno));
  }
}

static void
usage(int status)
{
  printf("usage: %s -p PORT [-c CONNS] [-m echo|http] [-s BYTES] [-d SECONDS]\n"
         "       [-w SECONDS] [-P SERVER_PID] [-n NAME]\n"
         "  -p  server port on 127.0.0.1\n"
         "  -c  connections, each with one request in flight (default 100)\n"
         "  -m  echo: BYTES-byte messages echoed back (default);\n"
         "      http: minimal HTTP/1.1 keep-alive GET requests\n"
         "  -s  echo message size (default 64, at most %d)\n"
         "  -d  timed window in seconds (default 2)\n"
         "  -w  warm-up in seconds (default 0.5), also until every\n"
         "      connection has had a reply\n"
         "  -P  the server's pid: also report its CPU time per round trip\n"
         "  -n  metric name prefix (default \"echo\")\n",
         "echo_load", MAX_MSG);
  exit(status);
}

int
main(int argc, char **argv)
{
  uint64_t t_start, t_end, t;
  double srv0, srv1, cli0, cli1, secs;
  long trips0, trips;
  int opt, i;

  bench_set_name(argv[0]);
  while ((opt = getopt(argc, argv, "p:c:m:s:d:w:P:n:h")) != -1) {
    switch (opt) {
    case 'p': port = atoi(optarg); break;
    case 'c': nconns = atoi(optarg); break;
    case 'm':
      if (strcmp(optarg, "echo") == 0)
        mode = ECHO;
      else if (strcmp(optarg, "http") == 0)
        mode = HTTP;
      else
        usage(2);
      break;
    case 's': msg_size = (size_t)atol(optarg); break;
    case 'd': duration = atof(optarg); break;
    case 'w': warmup = atof(optarg); break;
    case 'P': server_pid = atol(optarg); break;
    case 'n': name = optarg; break;
    case 'h': usage(0); break;
    default: usage(2);
    }
  }
  if (port <= 0 || port > 65535 || nconns <= 0 || msg_size == 0 ||
      msg_size > MAX_MSG || !(duration > 0.) || !(warmup >= 0.) ||
      duration > 600.)
    usage(2);

  /* A watchdog: whatever the server does, this program ends. */
  alarm((unsigned int)(duration + warmup + WARMUP_LIMIT_S + DRAIN_LIMIT_S +
                       30.));
  setvbuf(stdout, NULL, _IOLBF, 0);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0)
    bench_fail("epoll_create1: %s", strerror(errno));

  t = bench_now_ns();
  open_conns();
  printf("# %d connections, %s, connected in %.1f ms\n", nconns,
         mode == HTTP ? "HTTP/1.1 keep-alive GET" : "echo", (bench_now_ns() - t) / 1e6);
  t = bench_now_ns();
  for (i = 0; i < nconns; ++i)
    start_request(&conns[i]);
  pump(t + (uint64_t)(warmup * 1e9), 0);
  while (warmed < nconns) {
    if (bench_now_ns() - t > (uint64_t)(WARMUP_LIMIT_S * 1e9))
      bench_fail("only %d of %d connections got a reply within %.0f s", warmed,
           nconns, WARMUP_LIMIT_S);
    pump(bench_now_ns() + 10000000u, 0);
  }

  /* The timed window. */
  srv0 = server_pid ? proc_cpu(server_pid) : -1.;
  cli0 = self_cpu();
  trips0 = done_all;
  timing = 1;
  t_start = bench_now_ns();
  pump(t_start + (uint64_t)(duration * 1e9), 0);
  t_end = bench_now_ns();
  timing = 0;
  trips = done_all - trips0;
  cli1 = self_cpu();
  srv1 = server_pid ? proc_cpu(server_pid) : -1.;

  stopping = 1;
  pump(t_end + (uint64_t)(DRAIN_LIMIT_S * 1e9), 1);
  for (i = 0; i < nconns; ++i)
    if (conns[i].busy)
      bench_fail("connection %d: no reply to the last request within %.0f s", i,
           DRAIN_LIMIT_S);
  for (i = 0; i < nconns; ++i)
    close(conns[i].fd);

  secs = (t_end - t_start) / 1e9;
  qsort(lat, nlat, sizeof *lat, cmp_u32);
  metric("", trips / secs, "trips/s");
  metric("_p50", percentile_us(0.50), "us");
  metric("_p99", percentile_us(0.99), "us");
  if (srv0 >= 0. && srv1 >= 0. && trips > 0)
    metric("_srvcpu", (srv1 - srv0) * 1e6 / (double)trips, "us/trip");
  printf("# %ld round trips in %.3f s, all %ld replies checked; load "
         "generator cpu %.0f%%, %.2f us/trip\n", trips, secs, done_all,
         100. * (cli1 - cli0) / secs, (cli1 - cli0) * 1e6 / (double)trips);
  if (srv0 >= 0. && srv1 >= 0.)
    printf("# server cpu %.0f%% of one cpu\n", 100. * (srv1 - srv0) / secs);
  free(lat);
  free(conns);
  close(epfd);
  return 0;
}
