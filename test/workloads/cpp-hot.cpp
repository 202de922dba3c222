// Test workload for symbol demangling: a C++ program whose hot path has mangled names
// (a namespace, a class template, arguments): main → tsnap_test::run(int) →
// tsnap_test::Spinner<long>::spin(long) forever. Build with -fno-omit-frame-pointer
// -fno-optimize-sibling-calls, as hot-cold.c (spin ends with a call, so it keeps a frame).
//   cpp-hot            prints "ready <pid>", runs until killed
#include <cstdio>
#include <unistd.h>

static volatile long sink;

namespace tsnap_test {

__attribute__((noipa)) void done() { sink++; }

template <typename T> struct Spinner {
  __attribute__((noipa)) void spin(T n) {
    for (T i = 0; i < n; i++) sink++;
    done();
  }
};

__attribute__((noipa)) void run(int rounds) {
  Spinner<long> s;
  for (;;)
    for (int r = 0; r < rounds; r++) s.spin(200000);
}

} // namespace tsnap_test

int main() {
  std::printf("ready %d\n", getpid());
  std::fflush(stdout);
  tsnap_test::run(10);
}
