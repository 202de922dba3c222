// Test workload: runs out of memory when told to.
//   oom-alloc
// Prints "ready <pid>", waits for SIGUSR1, then allocates and touches memory 1 MiB at a
// time, without end: in a memory cgroup with a limit (and no swap) the kernel's OOM killer
// kills it (SIGKILL); the test checks the cgroup's oom_kill count and the exit status.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  int sig;
  sigwait(&set, &sig);
  for (;;) {
    char *p = malloc(1 << 20);
    if (!p) return 1;
    memset(p, 1, 1 << 20);
  }
}
