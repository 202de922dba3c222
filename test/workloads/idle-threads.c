// Many idle threads: creates N threads (small stacks) that block in pause() until killed,
// so a test has N thread IDs that exist in /proc. Prints "ready <pid>" once all exist.
//   idle-threads N
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *idle(void *arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 0;
  if (n < 1) {
    fprintf(stderr, "usage: idle-threads N\n");
    return 2;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  for (long i = 0; i < n; i++) {
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
