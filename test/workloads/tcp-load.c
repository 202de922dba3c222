// Test workload: TCP traffic of a known shape, for tests of tsnap check's network
// resources (run inside a network namespace the test makes, so the namespace's counters
// move only by this traffic).
//   tcp-load sink ADDR PORT            accept connections, read each until EOF, close it
//   tcp-load send ADDR PORT MS [KBPS]  connect, write for MS milliseconds (paced to KBPS
//                                      kB/s when given), then shut down the write side and
//                                      wait for the peer's EOF: every byte was acknowledged
//   tcp-load backlog ADDR PORT N       listen(fd, 1) and never accept; N non-blocking
//                                      connects to it (the accept queue overflows)
// Prints "ready <pid>" once listening (sink, backlog) or connected (send); send prints
// "done <bytes>" when the peer has everything. sink and backlog run until killed.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
  perror(what);
  exit(1);
}

static struct sockaddr_in addr_of(const char *ip, const char *port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port))};
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) die("inet_pton");
  return a;
}

static int listener(struct sockaddr_in *a, int backlog) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  if (fd < 0) die("socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)a, sizeof *a) < 0) die("bind");
  if (listen(fd, backlog) < 0) die("listen");
  return fd;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int sink(struct sockaddr_in *a) {
  int fd = listener(a, 64);
  static char buf[65536];
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR) continue;
      die("accept");
    }
    while (read(c, buf, sizeof buf) > 0) {
    }
    close(c);
  }
}

static int send_for(struct sockaddr_in *a, long ms, long kbps) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  if (connect(fd, (struct sockaddr *)a, sizeof *a) < 0) die("connect");
  printf("ready %d\n", getpid());
  fflush(stdout);
  static char buf[1400];
  memset(buf, 'x', sizeof buf);
  double t0 = now_ms();
  long long sent = 0;
  for (;;) {
    double t = now_ms() - t0;
    if (t >= ms) break;
    if (kbps > 0 && sent >= (long long)(kbps * 1024 * t / 1000)) {
      struct timespec ts = {0, 1000000};  // 1 ms
      nanosleep(&ts, NULL);
      continue;
    }
    ssize_t n = write(fd, buf, sizeof buf);
    if (n < 0) die("write");
    sent += n;
  }
  shutdown(fd, SHUT_WR);
  while (read(fd, buf, sizeof buf) > 0) {
  }
  printf("done %lld\n", sent);
  fflush(stdout);
  return 0;
}

static int backlog(struct sockaddr_in *a, int n) {
  listener(a, 1);
  for (int i = 0; i < n; i++) {
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c < 0) die("socket");
    if (connect(c, (struct sockaddr *)a, sizeof *a) < 0 && errno != EINPROGRESS) die("connect");
  }
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) pause();
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc >= 4 && strcmp(argv[1], "sink") == 0) {
    struct sockaddr_in a = addr_of(argv[2], argv[3]);
    return sink(&a);
  }
  if (argc >= 5 && strcmp(argv[1], "send") == 0) {
    struct sockaddr_in a = addr_of(argv[2], argv[3]);
    return send_for(&a, atol(argv[4]), argc > 5 ? atol(argv[5]) : 0);
  }
  if (argc >= 5 && strcmp(argv[1], "backlog") == 0) {
    struct sockaddr_in a = addr_of(argv[2], argv[3]);
    return backlog(&a, atoi(argv[4]));
  }
  fprintf(stderr,
          "usage: tcp-load sink ADDR PORT | send ADDR PORT MS [KBPS] | backlog ADDR PORT N\n");
  return 2;
}
