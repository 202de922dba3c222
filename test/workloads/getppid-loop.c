// Benchmark workload: the cost of a cheap syscall. Calls getppid() COUNT times per run,
// REPEAT runs, and prints the fastest run's nanoseconds per call (the least disturbed by
// other load), e.g. "ns_per_call 61.3".
//   getppid-loop [COUNT [REPEAT]]      defaults: 2000000, 7
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  long count = argc > 1 ? atol(argv[1]) : 2000000;
  int repeat = argc > 2 ? atoi(argv[2]) : 7;
  if (count < 1 || repeat < 1) {
    fprintf(stderr, "usage: getppid-loop [COUNT [REPEAT]]\n");
    return 2;
  }
  double best = 1e300;
  for (int r = 0; r < repeat; r++) {
    double t0 = now_ns();
    for (long i = 0; i < count; i++) syscall(SYS_getppid);
    double per = (now_ns() - t0) / (double)count;
    if (per < best) best = per;
  }
  printf("ns_per_call %.1f\n", best);
  return 0;
}
