// Test workload: capability checks in a known order, when told to (run as root).
//   cap-checks N
// Prints "ready <pid>", waits for SIGUSR1, then: N chroot("/") as root (CAP_SYS_CHROOT,
// allowed), seteuid(65534) (one CAP_SETUID check, allowed; the effective set is cleared),
// N chroot("/") (CAP_SYS_CHROOT, denied: EPERM), seteuid(0) (the real uid: no check),
// then prints "done <chroots that succeeded> <that failed with EPERM>" and exits 0.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "start-signal.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: cap-checks N\n");
    return 2;
  }
  int n = atoi(argv[1]), ok = 0, denied = 0;
  await_start();
  for (int i = 0; i < n; i++)
    if (chroot("/") == 0) ok++;
  if (seteuid(65534) != 0) {
    perror("seteuid");
    return 1;
  }
  for (int i = 0; i < n; i++)
    if (chroot("/") != 0 && errno == EPERM) denied++;
  if (seteuid(0) != 0) {
    perror("seteuid back");
    return 1;
  }
  printf("done %d %d\n", ok, denied);
  fflush(stdout);
  return 0;
}
