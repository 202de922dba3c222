// Test workload: THREADS threads, each in a loop of O_DIRECT pread of 4 KiB at a random
// 4 KiB-aligned offset of FILE (written in full first, 64 MiB, so every read goes to the
// block device), for at most SECONDS. The threads never sleep otherwise: each one is on a
// CPU, waiting for one, or in uninterruptible sleep for its read (D).
//   odirect-read FILE [THREADS [SECONDS]]      defaults: 4 threads, 60 s
// Prints "ready <pid>" once every reader runs.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "direct-file.h"

#define FILE_BYTES (64L << 20)
#define BLOCK 4096

static int fd;
static volatile int stop;
static pthread_barrier_t started;

static void *reader(void *arg) {
  unsigned int seed = (unsigned int)(long)arg * 2654435761u;
  void *buf;
  if (posix_memalign(&buf, BLOCK, BLOCK) != 0) return NULL;
  prctl(PR_SET_NAME, "odread");
  pthread_barrier_wait(&started);
  while (!stop) {
    off_t off = (off_t)(rand_r(&seed) % (FILE_BYTES / BLOCK)) * BLOCK;
    if (pread(fd, buf, BLOCK, off) != BLOCK) {
      perror("pread");
      exit(1);
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: odirect-read FILE [THREADS [SECONDS]]\n");
    return 2;
  }
  int threads = argc > 2 ? atoi(argv[2]) : 4;
  long seconds = argc > 3 ? atol(argv[3]) : 60;
  if (threads < 1 || threads > 64) return 2;
  fd = direct_file(argv[1], FILE_BYTES);
  if (fd < 0) return 1;
  pthread_barrier_init(&started, NULL, (unsigned)threads + 1);
  pthread_t t[64];
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, reader, (void *)(long)(i + 1));
  pthread_barrier_wait(&started);
  printf("ready %d\n", getpid());
  fflush(stdout);
  struct timespec end;
  clock_gettime(CLOCK_MONOTONIC, &end);
  end.tv_sec += seconds;
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL);
  stop = 1;
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  return 0;
}
