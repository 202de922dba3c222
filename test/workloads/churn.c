// Thread churn: creates short-lived threads as fast as it can, so samplers meet threads
// that exit between listing and reading. Prints "ready <pid>"; runs until killed.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *brief(void *arg) {
  (void)arg;
  usleep(200);
  return NULL;
}

int main(void) {
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) {
    pthread_t t[16];
    for (int i = 0; i < 16; i++) pthread_create(&t[i], NULL, brief, NULL);
    for (int i = 0; i < 16; i++) pthread_join(t[i], NULL);
  }
}
