/* tcp_echo.c - round trips over 100 TCP connections on 127.0.0.1.
 *
 * One loop runs both ends: 100 server connections that echo what they
 * read, and 100 clients that each keep one 64-byte message in flight,
 * sending the next one as soon as the echo is back.  So up to 200 fds
 * are ready at a time.  The timed part is ev_run() for a fixed number of
 * round trips; the result is ns per round trip (two reads, two writes and
 * the loop's share).
 *
 * Variants:
 *  - echo_c100: the server writes the echo from its read callback;
 *  - echo_timer_c100: the same, and every connection (both ends) has an
 *    idle timeout re-armed with ev_timer_again on each message;
 *  - echo_wwatch_c100: the server queues the echo and writes it from an
 *    EV_WRITE watcher that it starts for it and stops after writing - the
 *    classic shape of a libev server, which changes the fd's interest
 *    twice per message.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_ev.h"

#define CONNS 100
#define MSG 64
#define IDLE_TIMEOUT 30.0
#define IDLE_JITTER 10.0

enum variant { PLAIN, TIMER, WWATCH };

static const char *const variant_name[] = {
  "echo_c100", "echo_timer_c100", "echo_wwatch_c100"
};

struct conn {
  ev_io rio;     /* first member: the callbacks cast back to conn */
  ev_io wio;     /* server, WWATCH: the pending echo */
  ev_timer idle; /* TIMER: idle timeout */
  int fd;
  int got;       /* client: bytes of the echo received so far */
  int pending;   /* server, WWATCH: bytes waiting to be written */
  char buf[MSG];
};

static struct conn clients[CONNS], servers[CONNS];
static enum variant variant;
static long trips, target;
static const char message[MSG] = "ping: sixty-four bytes of payload for each "
                                 "round trip, no more";

static void
send_all(int fd, const char *p, int n)
{
  /* 64 bytes always fit in a local socket's buffer; anything else is a
   * broken benchmark, not something to handle. */
  if (write(fd, p, (size_t)n) != n)
    bench_fail("write: %s", strerror(errno));
}

static void
client_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct conn *c = (struct conn *)w;
  ssize_t n;

  (void)revents;
  if (variant == TIMER)
    ev_timer_again(loop, &c->idle);
  n = read(c->fd, c->buf, (size_t)(MSG - c->got));
  if (n <= 0) {
    if (n < 0 && errno == EAGAIN)
      return;
    bench_fail("client read: %s", n ? strerror(errno) : "EOF");
  }
  c->got += (int)n;
  if (c->got < MSG)
    return;
  c->got = 0;
  if (++trips == target)
    ev_break(loop, EVBREAK_ONE);
  send_all(c->fd, message, MSG);
}

static void
server_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, wio));

  (void)revents;
  send_all(c->fd, c->buf, c->pending);
  c->pending = 0;
  ev_io_stop(loop, w);
}

static void
server_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct conn *c = (struct conn *)w;
  ssize_t n;

  (void)revents;
  if (variant == TIMER)
    ev_timer_again(loop, &c->idle);
  if (c->pending)
    return; /* WWATCH: the last echo is not out yet */
  n = read(c->fd, c->buf, sizeof c->buf);
  if (n <= 0) {
    if (n < 0 && errno == EAGAIN)
      return;
    bench_fail("server read: %s", n ? strerror(errno) : "EOF");
  }
  if (variant == WWATCH) {
    c->pending = (int)n;
    ev_io_start(loop, &c->wio);
  } else {
    send_all(c->fd, c->buf, (int)n);
  }
}

static void
idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
  bench_fail("an idle timeout expired during a pass");
}

static void
tune(int fd)
{
  int one = 1;

  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* 100 connected pairs over 127.0.0.1, made with blocking calls. */
static void
connect_all(void)
{
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), i;

  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
      listen(lfd, CONNS) < 0 ||
      getsockname(lfd, (struct sockaddr *)&sa, &len) < 0)
    bench_fail("listen on 127.0.0.1: %s", strerror(errno));
  for (i = 0; i < CONNS; i++) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
      bench_fail("connect: %s", strerror(errno));
    clients[i].fd = fd;
    servers[i].fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (servers[i].fd < 0)
      bench_fail("accept: %s", strerror(errno));
    bench_set_nonblock(fd);
    tune(fd);
    tune(servers[i].fd);
  }
  close(lfd);
}

/* Runs until `count` round trips are done; returns how many were (the
 * callbacks already queued in the last iteration still run). */
static long
run_pass(struct ev_loop *loop, long count)
{
  trips = 0;
  target = count;
  ev_run(loop, 0);
  if (trips < count)
    bench_fail("pass ended after %ld of %ld round trips", trips, count);
  return trips;
}

/* Runs one variant; returns ns per round trip. */
static double
run_variant(long count, long warmup)
{
  struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
  uint64_t t0, t1;
  long done;
  int i;

  if (loop == NULL)
    bench_fail("ev_loop_new failed");
  connect_all();
  bench_seed(7);
  for (i = 0; i < CONNS; i++) {
    struct conn *s = &servers[i], *c = &clients[i];

    c->got = s->pending = 0;
    ev_io_init(&c->rio, client_cb, c->fd, EV_READ);
    ev_io_init(&s->rio, server_cb, s->fd, EV_READ);
    ev_io_init(&s->wio, server_write_cb, s->fd, EV_WRITE);
    ev_io_start(loop, &c->rio);
    ev_io_start(loop, &s->rio);
    if (variant == TIMER) {
      ev_timer_init(&c->idle, idle_cb, 0.,
                    IDLE_TIMEOUT + IDLE_JITTER * bench_rand_double());
      ev_timer_init(&s->idle, idle_cb, 0.,
                    IDLE_TIMEOUT + IDLE_JITTER * bench_rand_double());
      ev_timer_again(loop, &c->idle);
      ev_timer_again(loop, &s->idle);
    }
  }
  for (i = 0; i < CONNS; i++)
    send_all(clients[i].fd, message, MSG);

  run_pass(loop, warmup);
  t0 = bench_now_ns();
  done = run_pass(loop, count);
  t1 = bench_now_ns();
  ev_verify(loop);

  for (i = 0; i < CONNS; i++) {
    ev_io_stop(loop, &clients[i].rio);
    ev_io_stop(loop, &servers[i].rio);
    ev_io_stop(loop, &servers[i].wio);
    ev_timer_stop(loop, &clients[i].idle);
    ev_timer_stop(loop, &servers[i].idle);
    close(clients[i].fd);
    close(servers[i].fd);
  }
  ev_loop_destroy(loop);
  return (double)(t1 - t0) / (double)done;
}

int
main(int argc, char **argv)
{
  struct bench_opts opts;
  long count;
  int v;

  bench_init(argc, argv, BENCH_IMPL,
             "TCP echo over 100 connections on 127.0.0.1, client and\n"
             "server in one loop; prints ns per round trip.",
             120, &opts);
  bench_note_backend();

  count = opts.quick ? 10000 : 100000;
  for (v = PLAIN; v <= WWATCH; v++) {
    variant = (enum variant)v;
    bench_metric(variant_name[v], run_variant(count, count / 5),
                 "ns/trip");
  }
  return 0;
}
