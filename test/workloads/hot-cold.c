// Test workload for `tsnap profile`: the main thread runs main → worker, which calls
// hot_a then hot_b forever; hot_a runs the same loop 3 times as long as hot_b, so ~75% of
// the thread's CPU time is in main;worker;hot_a and ~25% in main;worker;hot_b (each pass
// of a random length, the same for both: no fixed period to alias with). Build with
// -fno-omit-frame-pointer -fno-optimize-sibling-calls (the kernel walks user stacks by
// frame pointer). gcc 12 leaves leaf functions frameless even with
// -mno-omit-leaf-frame-pointer (and then the leaf's caller goes missing from the walk), so
// hot_a and hot_b end with a call to done() (not a tail call: the second flag): not
// leaves, they get frames; done() itself takes a negligible share of samples.
//   hot-cold            prints "ready <pid>", runs until killed
#include <stdio.h>
#include <unistd.h>

#define UNIT 200000UL

static volatile unsigned long sink;

__attribute__((noipa)) void done(void) { sink++; }

/* noipa: never inlined, cloned or specialised, so the symbol names stay exact. */
__attribute__((noipa)) void hot_a(unsigned long n) {
  for (unsigned long i = 0; i < 3 * n; i++) sink++;
  done();
}

__attribute__((noipa)) void hot_b(unsigned long n) {
  for (unsigned long i = 0; i < n; i++) sink++;
  done();
}

/* Each pass draws its length from [UNIT/2, 3*UNIT/2): hot_a still runs exactly 3 times as
   many iterations as hot_b in every pass, but the loop has no fixed period for a
   fixed-rate sampler to beat with (199 Hz against a period near a multiple of 5 ms read
   57-68% instead of 75%). */
__attribute__((noipa)) void worker(void) {
  unsigned long x = 88172645463325252UL;
  for (;;) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    unsigned long n = UNIT / 2 + x % UNIT;
    hot_a(n);
    hot_b(n);
  }
}

int main(void) {
  printf("ready %d\n", getpid());
  fflush(stdout);
  worker();
  return 0;
}
