// Test workload: N threads that spin on the CPU (never sleep) for S seconds, then exit.
//   spin THREADS [SECONDS [churn]]
// Defaults: 1 thread, 30 s (the time limit keeps a failed test from leaving a spinner
// behind). With "churn" the main thread also starts a short-lived thread (sleeps 20 ms,
// exits) every 10 ms, so threads keep appearing and vanishing. THREADS may be 0.
// Prints "ready" once every spinning thread is running, so a test knows when to measure.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static pthread_barrier_t started;

static void *brief(void *arg) {
  (void)arg;
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
  return NULL;
}

static void *spin(void *arg) {
  (void)arg;
  pthread_barrier_wait(&started);
  volatile unsigned long n = 0;
  while (!stop) n++;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  int seconds = argc > 2 ? atoi(argv[2]) : 30;
  int churn = argc > 3 && strcmp(argv[3], "churn") == 0;
  if (threads < 0 || threads > 256 || seconds < 1) {
    fprintf(stderr, "usage: spin THREADS [SECONDS [churn]]\n");
    return 2;
  }
  pthread_t tids[256];
  pthread_barrier_init(&started, NULL, (unsigned)threads + 1);
  for (int i = 0; i < threads; i++) pthread_create(&tids[i], NULL, spin, NULL);
  pthread_barrier_wait(&started);
  printf("ready\n");
  fflush(stdout);
  if (churn) {
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (long i = 0; i < seconds * 100L; i++) {
      pthread_t t;
      if (pthread_create(&t, NULL, brief, NULL) == 0) pthread_detach(t);
      nanosleep(&tick, NULL);
    }
  } else {
    sleep((unsigned)seconds);
  }
  stop = 1;
  for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
  return 0;
}
