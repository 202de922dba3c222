// Shared by the workloads that measure their threads' blocked time from a start the test
// gives (offcpu, wake-chain): the SIGUSR1 start handshake, CLOCK_MONOTONIC ns, and a
// thread's off-CPU time as the kernel accounts it (wall time minus its on-CPU time from
// /proc/thread-self/schedstat).
#ifndef TSNAP_WORKLOAD_START_SIGNAL_H
#define TSNAP_WORKLOAD_START_SIGNAL_H
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* Prints "ready <pid>" and waits for SIGUSR1 (blocked first, so none is lost; threads
 * created afterwards inherit the mask). */
static void await_start(void) {
  sigset_t set;
  int sig;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  sigwait(&set, &sig);
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The calling thread's time off a CPU since `t0` (now_ns): wall time minus schedstat's
 * first field (its on-CPU ns); -1 when schedstat cannot be read. */
static long long offcpu_since(long long t0) {
  long long wall = now_ns() - t0, oncpu = 0;
  FILE *f = fopen("/proc/thread-self/schedstat", "r");
  if (!f || fscanf(f, "%lld", &oncpu) != 1) oncpu = -1;
  if (f) fclose(f);
  return oncpu < 0 ? -1 : wall - oncpu;
}
#endif
