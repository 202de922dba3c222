// Test workload: UDP datagrams of known sizes over the loopback of a network namespace of
// its own (unshare(CLONE_NEWNET), lo up), for udptop's tests.
//   udp-dgrams FAMILY PORT N SIZE
// FAMILY 4 (127.0.0.1) or 6 (::1). A server child binds PORT (unconnected) and receives
// N datagrams with recvfrom(), answering each with one of SIZE/2 bytes (sendto() to the
// sender); the client (the first process) binds PORT+1000, connect()s to PORT and send()s
// N datagrams of SIZE bytes, reading each answer with recv() before the next. Prints:
//   server PID / client PID
//   sent SENT RECEIVED (the client's bytes) / served RECEIVED SENT (the server's)
//   snmp Udp: ...  (the namespace's own /proc/net/snmp Udp lines at the end)
//   snmp6 Udp6NAME VALUE  (its /proc/net/snmp6 Udp6 lines: IPv6's)
#define _GNU_SOURCE
#include <sched.h>
#include <sys/wait.h>

#include "loopback-ns.h"

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: udp-dgrams 4|6 PORT N SIZE\n");
    return 2;
  }
  family = atoi(argv[1]) == 6 ? AF_INET6 : AF_INET;
  int port = atoi(argv[2]), n = atoi(argv[3]), size = atoi(argv[4]);
  static char buf[65536];
  if (size < 2 || size > 60000) die("SIZE must be 2..60000");
  if (unshare(CLONE_NEWNET)) die("unshare(CLONE_NEWNET)");
  lo_up();
  struct sockaddr_storage ss;
  socklen_t len = addr(&ss, port);
  int srv = socket(family, SOCK_DGRAM, 0);
  if (bind(srv, (struct sockaddr *)&ss, len)) die("bind server");
  fflush(stdout);
  pid_t server = fork();
  if (server == 0) {
    long got = 0, sent = 0;
    for (int i = 0; i < n; i++) {
      struct sockaddr_storage from;
      socklen_t fl = sizeof from;
      ssize_t r = recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
      if (r < 0) die("recvfrom");
      got += r;
      ssize_t w = sendto(srv, buf, size / 2, 0, (struct sockaddr *)&from, fl);
      if (w < 0) die("sendto");
      sent += w;
    }
    printf("served %ld %ld\n", got, sent);
    fflush(stdout);
    _exit(0);
  }
  close(srv);
  printf("server %d\nclient %d\n", server, getpid());
  int c = socket(family, SOCK_DGRAM, 0);
  struct sockaddr_storage cs;
  socklen_t cl = addr(&cs, port + 1000);
  if (bind(c, (struct sockaddr *)&cs, cl)) die("bind client");
  if (connect(c, (struct sockaddr *)&ss, len)) die("connect");
  long sent = 0, got = 0;
  for (int i = 0; i < n; i++) {
    ssize_t w = send(c, buf, size, 0);
    if (w < 0) die("send");
    sent += w;
    ssize_t r = recv(c, buf, sizeof buf, 0);
    if (r < 0) die("recv");
    got += r;
  }
  close(c);
  int status;
  waitpid(server, &status, 0);
  printf("sent %ld %ld\n", sent, got);
  FILE *f = fopen("/proc/self/net/snmp", "r");
  char line[4096];
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "Udp:", 4)) printf("snmp %s", line);
  if (f) fclose(f);
  /* IPv6's counters are in snmp6, one "Name value" per line */
  f = fopen("/proc/self/net/snmp6", "r");
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "Udp6", 4)) printf("snmp6 %s", line);
  if (f) fclose(f);
  return 0;
}
