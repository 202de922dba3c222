// Test workload: children that end in known ways, made when told to.
//   exit-storm N
// Prints "ready <pid>", waits for SIGUSR1, then forks, one at a time (each waited for):
//   N children that exit with code i % 256 (i = 0..N-1)
//   N children that kill themselves with SIGUSR2 (default action: terminate)
//   1 child that sleeps 300 ms and exits with 42
//   1 child that starts 3 threads, which end (pthread_exit) before it exits with 7
// then prints "done <exits seen> <signal deaths seen>" (its truth: what waitpid said) and
// exits with 0.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *thread_main(void *arg) {
  (void)arg;
  pthread_exit(NULL);
}

static int exits, signals;

static void reap(pid_t pid) {
  int st;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st)) exits++;
  if (WIFSIGNALED(st)) signals++;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: exit-storm N\n");
    return 2;
  }
  int n = atoi(argv[1]);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  int sig;
  sigwait(&set, &sig);
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) _exit(i % 256);
    reap(pid);
  }
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      kill(getpid(), SIGUSR2);
      _exit(99);
    }
    reap(pid);
  }
  pid_t pid = fork();
  if (pid == 0) {
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    _exit(42);
  }
  reap(pid);
  pid = fork();
  if (pid == 0) {
    pthread_t t[3];
    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, thread_main, NULL);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    _exit(7);
  }
  reap(pid);
  printf("done %d %d\n", exits, signals);
  fflush(stdout);
  return 0;
}
