// Test workload for unwinding through the vDSO: the main thread runs main → spin_fn, which
// calls clock_gettime(CLOCK_MONOTONIC) in a loop (libc's clock_gettime calls the vDSO's
// __vdso_clock_gettime: no system call), so most samples stop inside the [vdso] mapping,
// which is no file on disk. Built -O2 -fomit-frame-pointer: only .eh_frame unwinding
// (the vDSO's own, then libc's) gets from there back to spin_fn and main.
//   vdso-spin            prints "ready <pid>", runs until killed
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static volatile long sink;

__attribute__((noipa)) void spin_fn(void) {
  struct timespec ts;
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &ts);
    sink += ts.tv_nsec;
  }
}

int main(void) {
  printf("ready %d\n", getpid());
  fflush(stdout);
  spin_fn();
  return 0;
}
