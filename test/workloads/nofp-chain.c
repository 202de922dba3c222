// Named call chains for DWARF unwinding tests (built -O2 -fomit-frame-pointer): the main
// thread runs main -> worker -> hot on a CPU forever; the thread "reader" runs
// reader_main -> reader_fn -> read() on a pipe that the thread "writer" writes one byte to
// every 10 ms, so the reader leaves the CPU in libc's read ~100 times a second.
// Prints "ready <pid> <reader tid>" once both threads run; runs until killed.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];
static volatile unsigned long sink;
static volatile int reader_tid;

__attribute__((noipa)) unsigned long hot(unsigned long x) {
  for (int i = 0; i < 100000; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
  return x;
}

__attribute__((noipa)) void worker(void) {
  unsigned long x = 1;
  for (;;) {
    x = hot(x);
    sink += x;
  }
}

__attribute__((noipa)) long reader_fn(char *c) {
  long n = read(pipefd[0], c, 1);
  sink += (unsigned long)n;
  return n;
}

static void *reader_main(void *arg) {
  (void)arg;
  char c;
  reader_tid = gettid();
  for (;;)
    if (reader_fn(&c) <= 0) pause();
  return NULL;
}

static void *writer_main(void *arg) {
  (void)arg;
  struct timespec d = {0, 10 * 1000000L};
  for (;;) {
    nanosleep(&d, NULL);
    if (write(pipefd[1], "x", 1) != 1) pause();
  }
  return NULL;
}

int main(void) {
  pthread_t r, w;
  if (pipe(pipefd) != 0) return 1;
  pthread_create(&r, NULL, reader_main, NULL);
  pthread_setname_np(r, "reader");
  pthread_create(&w, NULL, writer_main, NULL);
  pthread_setname_np(w, "writer");
  while (!reader_tid) usleep(1000);
  printf("ready %d %d\n", getpid(), reader_tid);
  fflush(stdout);
  worker();
  return 0;
}
