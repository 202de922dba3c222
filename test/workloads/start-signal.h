// Shared by the workloads that start when the test tells them to: the SIGUSR1 start
// handshake (await_start, or block_start + its own "ready ..." line + wait_start),
// CLOCK_MONOTONIC ns, and, for those that measure their threads' blocked time (offcpu,
// wake-chain), a thread's off-CPU time as the kernel accounts it (wall time minus its
// on-CPU time from /proc/thread-self/schedstat).
#ifndef TSNAP_WORKLOAD_START_SIGNAL_H
#define TSNAP_WORKLOAD_START_SIGNAL_H
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* Blocks SIGUSR1 before the "ready" line, so a start sent after it is not lost (threads
 * created afterwards inherit the mask). */
static inline void block_start(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* Waits for the SIGUSR1 that block_start() blocked. */
static inline void wait_start(void) {
  sigset_t set;
  int sig;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigwait(&set, &sig);
}

/* Prints "ready <pid>" and waits for SIGUSR1. */
static inline void await_start(void) {
  block_start();
  printf("ready %d\n", getpid());
  fflush(stdout);
  wait_start();
}

static inline long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The calling thread's time off a CPU since `t0` (now_ns): wall time minus schedstat's
 * first field (its on-CPU ns); -1 when schedstat cannot be read. */
static inline long long offcpu_since(long long t0) {
  long long wall = now_ns() - t0, oncpu = 0;
  FILE *f = fopen("/proc/thread-self/schedstat", "r");
  if (!f || fscanf(f, "%lld", &oncpu) != 1) oncpu = -1;
  if (f) fclose(f);
  return oncpu < 0 ? -1 : wall - oncpu;
}
#endif
