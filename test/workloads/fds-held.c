// Test workload: a known number of open files held (memleak's kernel mode: each open
// allocates a struct file, freed only at close).
//   fds-held N
// Prints "ready <pid>", waits for SIGUSR1, opens /dev/null N times keeping every fd,
// prints "done <opened>", and waits for SIGUSR1 again before closing them all, printing
// "closed" and exiting 0.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include "start-signal.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: fds-held N\n");
    return 2;
  }
  int n = atoi(argv[1]);
  struct rlimit rl = {n + 64, n + 64};
  setrlimit(RLIMIT_NOFILE, &rl);
  int *fds = calloc(n, sizeof(int));
  block_start();
  printf("ready %d\n", getpid());
  fflush(stdout);
  wait_start();
  int opened = 0;
  for (int i = 0; i < n; i++) {
    fds[i] = open("/dev/null", O_RDONLY);
    if (fds[i] >= 0) opened++;
  }
  printf("done %d\n", opened);
  fflush(stdout);
  wait_start();
  for (int i = 0; i < n; i++)
    if (fds[i] >= 0) close(fds[i]);
  printf("closed\n");
  fflush(stdout);
  return 0;
}
