// Test workload: a listen backlog that fills to a known depth, in a network namespace of
// its own (unshare(CLONE_NEWNET), lo up), for tcpsynbl's tests.
//   syn-backlog FAMILY PORT BACKLOG K
// FAMILY 4 (127.0.0.1) or 6 (::1). Listens on PORT with listen(BACKLOG), then makes K
// connections to it one after another (blocking connect(), K <= BACKLOG) before
// accepting any: the accept queue holds 0, 1, ..., K-1 connections when the kernel
// creates connection 0, 1, ..., K-1. Then sleeps 100 ms, accepts all K and closes
// everything. Prints:
//   pid PID
//   snmp Tcp: ... / netstat TcpExt: ...   (the namespace's counters at the end)
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
#include <unistd.h>

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void lo_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr = {0};
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr)) die("SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr)) die("SIOCSIFFLAGS");
  close(s);
}

static void dump(const char *path, const char *prefix, const char *tag) {
  FILE *f = fopen(path, "r");
  char line[4096];
  if (!f) die(path);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, prefix, strlen(prefix))) printf("%s %s", tag, line);
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: syn-backlog 4|6 PORT BACKLOG K\n");
    return 2;
  }
  int family = atoi(argv[1]) == 6 ? AF_INET6 : AF_INET;
  int port = atoi(argv[2]), backlog = atoi(argv[3]), k = atoi(argv[4]);
  if (k > backlog || k > 1000) die("K must be at most BACKLOG (and 1000)");
  if (unshare(CLONE_NEWNET)) die("unshare(CLONE_NEWNET)");
  lo_up();
  struct sockaddr_storage ss = {0};
  socklen_t len;
  if (family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  } else {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  }
  int l = socket(family, SOCK_STREAM, 0), one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(l, (struct sockaddr *)&ss, len) || listen(l, backlog)) die("listen");
  printf("pid %d\n", getpid());
  int c[1000];
  for (int i = 0; i < k; i++) {
    c[i] = socket(family, SOCK_STREAM, 0);
    if (connect(c[i], (struct sockaddr *)&ss, len)) die("connect");
  }
  usleep(100000);
  for (int i = 0; i < k; i++) {
    int a = accept(l, NULL, NULL);
    if (a < 0) die("accept");
    close(a);
  }
  for (int i = 0; i < k; i++) close(c[i]);
  close(l);
  usleep(50000);
  dump("/proc/net/snmp", "Tcp:", "snmp");
  dump("/proc/net/netstat", "TcpExt:", "netstat");
  fflush(stdout);
  return 0;
}
