// Test workload for the generic tracers (funccount, funclatency, stackcount): functions
// called a known number of times with known durations. Prints "ready PID", then on each
// SIGUSR1 runs one round and prints "done":
//   tsnap_fc_short()  SHORT times, each spinning 40 µs  (log2 slot 32-63 µs)
//   tsnap_fc_long()   LONG times, each spinning 300 µs  (log2 slot 256-511 µs)
//   tsnap_fc_count()  COUNT times, no work, always called through tsnap_fc_caller()
//   getppid           SYSCALLS times (raw syscall: syscalls:sys_enter_getppid)
// Spinning on CLOCK_MONOTONIC makes every call last at least its time; preemption can
// only make it longer. Build with -fno-omit-frame-pointer for user stacks.
//   func-calls SHORT LONG COUNT SYSCALLS
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t go;
static volatile long sink;

static void on_usr1(int sig) {
  (void)sig;
  go = 1;
}

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void spin_ns(long ns) {
  long end = now_ns() + ns;
  while (now_ns() < end) sink++;
}

__attribute__((noinline)) void tsnap_fc_short(void) { spin_ns(40000); }
__attribute__((noinline)) void tsnap_fc_long(void) { spin_ns(300000); }
__attribute__((noinline)) void tsnap_fc_count(void) {
  sink++;
  __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) void tsnap_fc_caller(long n) {
  for (long i = 0; i < n; i++) tsnap_fc_count();
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void round_once(long s, long l, long c, long sc) {
  for (long i = 0; i < s; i++) tsnap_fc_short();
  for (long i = 0; i < l; i++) tsnap_fc_long();
  tsnap_fc_caller(c);
  for (long i = 0; i < sc; i++) syscall(SYS_getppid);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: func-calls SHORT LONG COUNT SYSCALLS\n");
    return 2;
  }
  long s = atol(argv[1]), l = atol(argv[2]), c = atol(argv[3]), sc = atol(argv[4]);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  signal(SIGUSR1, on_usr1);
  sigprocmask(SIG_BLOCK, &block, &old);
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) {
    while (!go) sigsuspend(&old);
    go = 0;
    round_once(s, l, c, sc);
    printf("done\n");
    fflush(stdout);
  }
}
