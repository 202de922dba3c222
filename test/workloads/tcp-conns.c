// Test workload: N TCP connections over the loopback of a network namespace of its own,
// with known ports, processes and bytes (the ground truth of the tcp* tools' tests).
//   tcp-conns FAMILY N SEND REPLY [SETUP_CMD]
// FAMILY is 4 (127.0.0.1) or 6 (::1). The process moves itself into a new network
// namespace (unshare(CLONE_NEWNET)), brings its lo up, and runs SETUP_CMD there with
// sh -c if given (e.g. an nft rule that drops packets). A server child listens on port
// 5000 and accepts N connections one by one: from each it reads until EOF, counting bytes,
// then writes REPLY bytes and closes. The client (the first process) opens connection i
// from local port 6000+i to port 5000, writes SEND bytes, shuts its side down, reads the
// reply until EOF and closes; then one connect to port 5001, where nothing listens
// (refused). TCP_CONNS_PORT=P in the environment: ports P, P+1 and P+1000.. instead.
// Prints to stdout:
//   server PID / client PID
//   conn I SPORT SENT RECEIVED CONNECT_NS   (client's view of each connection; how long
//                                            its connect() took, CLOCK_MONOTONIC)
//   served I RECEIVED                  (server's view)
//   refused ERRNO
//   snmp Tcp: ... (the namespace's own /proc/net/snmp Tcp lines, after everything closed
//                  and every socket left is in TIME_WAIT: a server socket orphaned in
//                  LAST_ACK that still resends its FIN under loss is waited for, so no
//                  retransmit of this namespace comes after the counters; at most 30 s)
//   netstat TcpExt: ... (its /proc/net/netstat TcpExt lines)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loopback-ns.h"

/* Port 5000 unless TCP_CONNS_PORT says otherwise (tests running at once keep apart). */
static int SERVER_PORT = 5000, CLOSED_PORT = 5001, CLIENT_PORT = 6000;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long drain(int fd) {
  char buf[65536];
  long total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return total;
    total += n;
  }
}

static void send_all(int fd, long n) {
  static char buf[65536];
  while (n > 0) {
    ssize_t w = write(fd, buf, n < (long)sizeof buf ? n : (long)sizeof buf);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) die("write");
    n -= w;
  }
}

static void dump(const char *path, const char *prefix, const char *tag) {
  FILE *f = fopen(path, "r");
  char line[4096];
  if (!f) die(path);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, prefix, strlen(prefix))) printf("%s %s", tag, line);
  fclose(f);
}

/* Sockets of this namespace (/proc/self/net/tcp and tcp6) in a state other than TIME_WAIT. */
static int live_sockets(void) {
  const char *files[] = {"/proc/self/net/tcp", "/proc/self/net/tcp6"};
  int live = 0;
  for (int f = 0; f < 2; f++) {
    FILE *fp = fopen(files[f], "r");
    char line[512];
    if (!fp) continue;
    if (!fgets(line, sizeof line, fp)) line[0] = 0; /* header */
    while (fgets(line, sizeof line, fp)) {
      unsigned st = 0;
      if (sscanf(line, "%*s %*s %*s %x", &st) == 1 && st != 0x06) live++;
    }
    fclose(fp);
  }
  return live;
}

static void settle(void) {
  for (int i = 0; i < 1500 && live_sockets() > 0; i++) usleep(20000);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: tcp-conns 4|6 N SEND REPLY [SETUP_CMD]\n");
    return 2;
  }
  family = atoi(argv[1]) == 6 ? AF_INET6 : AF_INET;
  if (getenv("TCP_CONNS_PORT")) {
    SERVER_PORT = atoi(getenv("TCP_CONNS_PORT"));
    CLOSED_PORT = SERVER_PORT + 1;
    CLIENT_PORT = SERVER_PORT + 1000;
  }
  int n = atoi(argv[2]);
  long send = atol(argv[3]), reply = atol(argv[4]);
  if (unshare(CLONE_NEWNET)) die("unshare(CLONE_NEWNET)");
  lo_up();
  if (argc > 5 && system(argv[5]) != 0) {
    fprintf(stderr, "setup command failed: %s\n", argv[5]);
    return 1;
  }
  struct sockaddr_storage ss;
  int one = 1;
  int l = socket(family, SOCK_STREAM, 0);
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len = addr(&ss, SERVER_PORT);
  if (bind(l, (struct sockaddr *)&ss, len) || listen(l, 128)) die("listen");
  fflush(stdout);
  pid_t server = fork();
  if (server == 0) {
    for (int i = 0; i < n; i++) {
      int c = accept(l, NULL, NULL);
      if (c < 0) die("accept");
      long got = drain(c);
      send_all(c, reply);
      close(c);
      printf("served %d %ld\n", i, got);
    }
    fflush(stdout);
    _exit(0);
  }
  close(l);
  printf("server %d\nclient %d\n", server, getpid());
  for (int i = 0; i < n; i++) {
    int c = socket(family, SOCK_STREAM, 0);
    setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    len = addr(&ss, CLIENT_PORT + i);
    if (bind(c, (struct sockaddr *)&ss, len)) die("bind client port");
    len = addr(&ss, SERVER_PORT);
    long long t0 = now_ns();
    if (connect(c, (struct sockaddr *)&ss, len)) die("connect");
    long long connect_ns = now_ns() - t0;
    send_all(c, send);
    shutdown(c, SHUT_WR);
    long got = drain(c);
    close(c);
    printf("conn %d %d %ld %ld %lld\n", i, CLIENT_PORT + i, send, got, connect_ns);
  }
  int status;
  waitpid(server, &status, 0);
  int c = socket(family, SOCK_STREAM, 0);
  len = addr(&ss, CLOSED_PORT);
  int r = connect(c, (struct sockaddr *)&ss, len);
  printf("refused %d\n", r == 0 ? 0 : errno);
  close(c);
  settle();
  dump("/proc/self/net/snmp", "Tcp:", "snmp");
  dump("/proc/self/net/netstat", "TcpExt:", "netstat");
  return 0;
}
