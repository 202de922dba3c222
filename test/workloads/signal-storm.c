// Test workload: signals sent in known ways, when told to.
//   signal-storm N M
// Prints "ready <pid> <child pid>" (the child blocks every signal it can and waits), waits
// for SIGUSR1, then sends the child, in this order:
//   N kill(child, SIGUSR2)           N tkill(child, SIGWINCH)     N tgkill(child, child, 40)
//   M kill(child, 99)  (EINVAL)      M kill(child, 0)  (existence test: no signal)
//   M kill(the reaped child, SIGTERM) after the child was ended by 1 kill(child, SIGKILL)
//     and reaped (ESRCH)
// then prints "done <calls that returned 0> <calls that failed>" (its truth: what the
// calls returned) and exits with 0. Blocked signals stay pending: each call still
// generates its signal (signal:signal_generate), a standard one just once in the queue.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int ok, failed;

static void count(long r) {
  if (r == 0) ok++;
  else failed++;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: signal-storm N M\n");
    return 2;
  }
  int n = atoi(argv[1]), m = atoi(argv[2]);
  sigset_t all;
  sigfillset(&all);
  pid_t child = fork();
  if (child == 0) {
    sigprocmask(SIG_BLOCK, &all, NULL);
    for (;;) pause();
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  usleep(50 * 1000); // the child blocks its signals before the first one comes
  printf("ready %d %d\n", getpid(), child);
  fflush(stdout);
  int sig;
  sigwait(&set, &sig);
  for (int i = 0; i < n; i++) count(kill(child, SIGUSR2));
  for (int i = 0; i < n; i++) count(syscall(SYS_tkill, child, SIGWINCH));
  for (int i = 0; i < n; i++) count(syscall(SYS_tgkill, child, child, 40));
  for (int i = 0; i < m; i++) count(kill(child, 99));
  for (int i = 0; i < m; i++) count(kill(child, 0));
  count(kill(child, SIGKILL));
  waitpid(child, NULL, 0);
  for (int i = 0; i < m; i++) count(kill(child, SIGTERM));
  printf("done %d %d\n", ok, failed);
  fflush(stdout);
  return 0;
}
