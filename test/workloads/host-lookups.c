// Test workload: host name lookups through libc in a known order, when told to.
//   host-lookups N
// Prints "ready <pid>", waits for SIGUSR1, then N times each: getaddrinfo("localhost"),
// gethostbyname("localhost"), gethostbyname2("localhost", AF_INET), and prints for each
// call "call <func> <host> <ns>": the latency around it by this process's clock (a
// lookup's time inside it can only be shorter); then "done <calls>" and exits 0.
#define _GNU_SOURCE
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "start-signal.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: host-lookups N\n");
    return 2;
  }
  int n = atoi(argv[1]);
  long long *lat = calloc(3 * n, sizeof(long long));
  await_start();
  for (int i = 0; i < n; i++) {
    struct addrinfo *ai = NULL;
    long long t0 = now_ns();
    if (getaddrinfo("localhost", NULL, NULL, &ai) == 0) freeaddrinfo(ai);
    long long t1 = now_ns();
    gethostbyname("localhost");
    long long t2 = now_ns();
    gethostbyname2("localhost", AF_INET);
    long long t3 = now_ns();
    lat[3 * i] = t1 - t0;
    lat[3 * i + 1] = t2 - t1;
    lat[3 * i + 2] = t3 - t2;
  }
  static const char *funcs[] = {"getaddrinfo", "gethostbyname", "gethostbyname2"};
  for (int i = 0; i < 3 * n; i++) printf("call %s localhost %lld\n", funcs[i % 3], lat[i]);
  printf("done %d\n", 3 * n);
  fflush(stdout);
  return 0;
}
