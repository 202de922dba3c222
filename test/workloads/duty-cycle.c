// Test workload: one thread that runs ON µs, then sleeps OFF µs, in a loop, for SECONDS:
// a known distribution of on-CPU times (ON, each burst one stretch on a CPU unless the
// scheduler preempts it) and off-CPU times (OFF plus the wakeup's delay).
//   duty-cycle ON_US OFF_US [SECONDS]      default 20 s
// Prints "ready <pid>" before the first burst.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: duty-cycle ON_US OFF_US [SECONDS]\n");
    return 2;
  }
  long on = atol(argv[1]), off = atol(argv[2]);
  long long end = now_us() + (argc > 3 ? atol(argv[3]) : 20) * 1000000LL;
  printf("ready %d\n", getpid());
  fflush(stdout);
  struct timespec pause = {off / 1000000, (off % 1000000) * 1000};
  while (now_us() < end) {
    long long stop = now_us() + on;
    while (now_us() < stop) {
    }
    nanosleep(&pause, NULL);
  }
  return 0;
}
