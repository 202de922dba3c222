// Test workload of tcprtt: one TCP connection over the loopback of a network namespace of
// its own, R request/reply round trips on it, and the kernel's own view of both sockets
// (`ss -tin`, run in the namespace while the connection is still open).
//   tcp-rtt FAMILY PORT R [SETUP_CMD]
// FAMILY is 4 (127.0.0.1) or 6 (::1). A server child listens on PORT and echoes every
// 100-byte request; the client connects from port PORT+1000, writes and reads back R
// requests, runs `ss -tinH` and the SETUP_CMD-free /proc/net/snmp dump, then closes.
// Prints to stdout:
//   server PID / client PID
//   ss <line>             (ss -tinH's lines, each prefixed)
//   snmp Tcp: ...         (the namespace's /proc/net/snmp Tcp lines, before the close)
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
#include <unistd.h>

#include "loopback-ns.h"

static int read_full(int fd, char *buf, int n) {
  int got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return got;
    got += r;
  }
  return got;
}

static void run_prefixed(const char *cmd, const char *tag) {
  char line[4096];
  FILE *f = popen(cmd, "r");
  if (!f) die(cmd);
  while (fgets(line, sizeof line, f)) printf("%s %s", tag, line);
  pclose(f);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: tcp-rtt 4|6 PORT R [SETUP_CMD]\n");
    return 2;
  }
  family = atoi(argv[1]) == 6 ? AF_INET6 : AF_INET;
  int port = atoi(argv[2]), rounds = atoi(argv[3]);
  if (unshare(CLONE_NEWNET)) die("unshare(CLONE_NEWNET)");
  lo_up();
  if (argc > 4 && system(argv[4]) != 0) {
    fprintf(stderr, "setup command failed: %s\n", argv[4]);
    return 1;
  }
  struct sockaddr_storage ss;
  int one = 1;
  int l = socket(family, SOCK_STREAM, 0);
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len = addr(&ss, port);
  if (bind(l, (struct sockaddr *)&ss, len) || listen(l, 16)) die("listen");
  fflush(stdout);
  pid_t server = fork();
  if (server == 0) {
    char buf[100];
    int c = accept(l, NULL, NULL);
    if (c < 0) die("accept");
    while (read_full(c, buf, sizeof buf) == sizeof buf)
      if (write(c, buf, sizeof buf) != sizeof buf) die("write");
    close(c);
    _exit(0);
  }
  close(l);
  printf("server %d\nclient %d\n", server, getpid());
  int c = socket(family, SOCK_STREAM, 0);
  setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  len = addr(&ss, port + 1000);
  if (bind(c, (struct sockaddr *)&ss, len)) die("bind client port");
  len = addr(&ss, port);
  if (connect(c, (struct sockaddr *)&ss, len)) die("connect");
  char buf[100] = {0};
  for (int i = 0; i < rounds; i++) {
    if (write(c, buf, sizeof buf) != sizeof buf) die("write");
    if (read_full(c, buf, sizeof buf) != sizeof buf) die("read");
  }
  fflush(stdout);
  run_prefixed("ss -tinH", "ss");
  run_prefixed("grep ^Tcp: /proc/self/net/snmp", "snmp");
  fflush(stdout);
  close(c);
  int status;
  waitpid(server, &status, 0);
  return 0;
}
