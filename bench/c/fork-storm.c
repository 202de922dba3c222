// Fork storm at a set rate: RATE short-lived processes per second (forked in batches every
// 10 ms), each sleeping ~2 ms and exiting; every EXEC_EVERY-th child execs /bin/true
// instead (new exe and cmdline). Children are reaped by the kernel (SIGCHLD ignored).
// Prints "ready <pid>"; runs until killed.
//   fork-storm [RATE [EXEC_EVERY]]      defaults: 200 per second, every 10th execs
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long rate = argc > 1 ? atol(argv[1]) : 200;
  long exec_every = argc > 2 ? atol(argv[2]) : 10;
  signal(SIGCHLD, SIG_IGN);
  printf("ready %d\n", getpid());
  fflush(stdout);
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  long n = 0;
  double owed = 0;
  for (;;) {
    owed += rate / 100.0;
    for (; owed >= 1; owed -= 1) {
      pid_t p = fork();
      if (p == 0) {
        if (exec_every > 0 && n % exec_every == 0) execl("/bin/true", "true", "fork-storm-child", (char *)NULL);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
        _exit(0);
      }
      n++;
    }
    next.tv_nsec += 10000000;
    if (next.tv_nsec >= 1000000000) {
      next.tv_sec++;
      next.tv_nsec -= 1000000000;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
}
