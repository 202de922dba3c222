// malloc/free pairs timed by the process itself, for tracers' per-call cost (memleak).
//   malloc-loop N REPS
// Prints "ready <pid>", then waits for a line on stdin (the tracer is attached by then),
// runs REPS rounds of N x (malloc(64), free) and prints "ns_per_pair X": the fastest
// round's ns per pair (CLOCK_MONOTONIC); exits 0.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  int reps = argc > 2 ? atoi(argv[2]) : 5;
  printf("ready %d\n", getpid());
  fflush(stdout);
  char line[16];
  if (!fgets(line, sizeof(line), stdin)) return 1;
  double best = 1e18;
  for (int r = 0; r < reps; r++) {
    long long t0 = now_ns();
    for (long i = 0; i < n; i++) {
      char *p = malloc(64);
      __asm__ volatile("" : : "r"(p) : "memory"); /* not elided */
      free(p);
    }
    double ns = (double)(now_ns() - t0) / n;
    if (ns < best) best = ns;
  }
  printf("ns_per_pair %.1f\n", best);
  return 0;
}
