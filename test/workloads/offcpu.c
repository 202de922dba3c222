// Test workload for `tsnap offcputime`: after SIGUSR1, two threads block a known time:
// "sleeper" sleeps 300 ms per loop in nanosleep from sleeper_fn (LOOPS times), "reader"
// reads 4 KiB with O_DIRECT pread at random offsets of FILE (64 MiB, written first) from
// reader_fn for as long. Each thread measures the time spent inside its blocking calls
// (CLOCK_MONOTONIC around each call), and its whole off-CPU time as the kernel accounts
// it (its wall time minus its on-CPU time from /proc/thread-self/schedstat):
//   offcpu FILE [LOOPS]      prints "ready <pid>", waits for SIGUSR1, then one line per
//                            thread: "<name> <tid> <ns in calls> <calls> <off-CPU ns>"
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "direct-file.h"
#include "start-signal.h"

#define FILE_BYTES (64L << 20)
#define BLOCK 4096

static int fd;
static int loops = 10;
static volatile int stop;
static long long sleeper_ns, reader_ns;
static long sleeps, reads;
static struct result {
  int tid;
  long long offcpu_ns;
} res_sleeper, res_reader;

__attribute__((noipa)) void sleeper_fn(void) {
  struct timespec d = {0, 300 * 1000000L};
  for (int i = 0; i < loops; i++) {
    long long t0 = now_ns();
    nanosleep(&d, NULL);
    sleeper_ns += now_ns() - t0;
    sleeps++;
  }
}

__attribute__((noipa)) void reader_fn(void *buf) {
  unsigned int seed = 12345;
  while (!stop) {
    off_t off = (off_t)(rand_r(&seed) % (FILE_BYTES / BLOCK)) * BLOCK;
    long long t0 = now_ns();
    if (pread(fd, buf, BLOCK, off) != BLOCK) {
      perror("pread");
      exit(1);
    }
    reader_ns += now_ns() - t0;
    reads++;
  }
}

/* The thread's id and its off-CPU time since `t0` (start-signal.h). */
static void finish(struct result *r, long long t0) {
  r->tid = gettid();
  r->offcpu_ns = offcpu_since(t0);
}

static void *sleeper(void *arg) {
  (void)arg;
  long long t0 = now_ns();
  pthread_setname_np(pthread_self(), "sleeper");
  sleeper_fn();
  stop = 1;
  finish(&res_sleeper, t0);
  return NULL;
}

static void *reader(void *arg) {
  (void)arg;
  long long t0 = now_ns();
  void *buf;
  if (posix_memalign(&buf, BLOCK, BLOCK) != 0) return NULL;
  pthread_setname_np(pthread_self(), "reader");
  reader_fn(buf);
  finish(&res_reader, t0);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: offcpu FILE [LOOPS]\n");
    return 2;
  }
  if (argc > 2) loops = atoi(argv[2]);
  fd = direct_file(argv[1], FILE_BYTES);
  if (fd < 0) return 1;
  await_start();
  pthread_t a, b;
  pthread_create(&a, NULL, sleeper, NULL);
  pthread_create(&b, NULL, reader, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("sleeper %d %lld %ld %lld\n", res_sleeper.tid, sleeper_ns, sleeps, res_sleeper.offcpu_ns);
  printf("reader %d %lld %ld %lld\n", res_reader.tid, reader_ns, reads, res_reader.offcpu_ns);
  fflush(stdout);
  return 0;
}
