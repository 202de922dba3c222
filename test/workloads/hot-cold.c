// Test workload for `tsnap profile`: the main thread runs main → worker, which calls
// hot_a then hot_b forever; hot_a runs the same loop 3 times as long as hot_b, so ~75% of
// the thread's CPU time is in main;worker;hot_a and ~25% in main;worker;hot_b. Build with
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
__attribute__((noipa)) void hot_a(void) {
  for (unsigned long i = 0; i < 3 * UNIT; i++) sink++;
  done();
}

__attribute__((noipa)) void hot_b(void) {
  for (unsigned long i = 0; i < UNIT; i++) sink++;
  done();
}

__attribute__((noipa)) void worker(void) {
  for (;;) {
    hot_a();
    hot_b();
  }
}

int main(void) {
  printf("ready %d\n", getpid());
  fflush(stdout);
  worker();
  return 0;
}
