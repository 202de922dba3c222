// Test workload: one thread sleeps MS milliseconds in a loop (clock_nanosleep), for at
// most SECONDS, so a sampler sees the syscall's time so far grow and each completion last
// MS milliseconds.
//   sleep-loop [MS [SECONDS]]      defaults: 300 ms, 30 s
// Prints "ready <pid>" before the first sleep. Build with -fno-omit-frame-pointer for
// user-stack tests.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

// Not inlined, so with frame pointers a user stack walk finds a return address in main.
static __attribute__((noinline)) void sleep_once(const struct timespec *ts) {
  nanosleep(ts, NULL);
  __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv) {
  long ms = argc > 1 ? atol(argv[1]) : 300;
  long seconds = argc > 2 ? atol(argv[2]) : 30;
  if (ms < 1 || seconds < 1) {
    fprintf(stderr, "usage: sleep-loop [MS [SECONDS]]\n");
    return 2;
  }
  prctl(PR_SET_NAME, "sleep-loop");
  printf("ready %d\n", getpid());
  fflush(stdout);
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  for (long i = 0; i < seconds * 1000 / ms; i++) sleep_once(&ts);
  return 0;
}
