// Test workload for syscall counters (tsnap syscount): a known number of each syscall.
// Prints "ready <pid>", then at every SIGUSR1 makes exactly GETPPID getppid() calls, GETPID
// getpid() calls, CLOSE close(-1) calls (each fails with EBADF) and OPEN openat() calls of
// a missing file (each fails with ENOENT), all through syscall(2), and prints
// "done <ns spent in the getppid loop>". Between rounds it only waits in sigwait.
//   syscall-mix GETPPID GETPID CLOSE OPEN
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no syscall */
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: syscall-mix GETPPID GETPID CLOSE OPEN\n");
    return 2;
  }
  long n[4];
  for (int i = 0; i < 4; i++) n[i] = atol(argv[i + 1]);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) {
    int sig;
    sigwait(&set, &sig);
    long t0 = now_ns();
    for (long i = 0; i < n[0]; i++) syscall(SYS_getppid);
    long getppid_ns = now_ns() - t0;
    for (long i = 0; i < n[1]; i++) syscall(SYS_getpid);
    for (long i = 0; i < n[2]; i++) syscall(SYS_close, -1);
    for (long i = 0; i < n[3]; i++) syscall(SYS_openat, AT_FDCWD, "/nonexistent/tsnap-syscall-mix", O_RDONLY);
    printf("done %ld\n", getppid_ns);
    fflush(stdout);
  }
}
