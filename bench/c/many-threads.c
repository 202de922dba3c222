// Soak workload: N threads that each sleep MS milliseconds in a loop (a server's idle
// pool), so a capture with -a writes N rows per round. Prints "ready <pid>"; runs until killed.
//   many-threads [N [MS]]      defaults: 1000 threads, 100 ms
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long ms = 100;

static void *idle(void *arg) {
  (void)arg;
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  for (;;) nanosleep(&ts, NULL);
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  if (argc > 2) ms = atol(argv[2]);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  for (int i = 0; i < n; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, idle, NULL) != 0) {
      perror("pthread_create");
      return 1;
    }
  }
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) pause();
}
