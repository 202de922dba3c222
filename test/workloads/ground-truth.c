// Threads with known behaviour, for tsnap's ground-truth tests.
//   ground-truth [spin N] [sleep N] [pipe N] [vfork 0|1] [tag NAME]
// spin: threads burning CPU in user space (RUN, [running])
// sleep: threads in nanosleep (SLEEP, clock_nanosleep)
// pipe: threads blocked in read() on a pipe nobody writes (SLEEP, read)
// vfork 1: the main thread vforks a child that waits in pause(); the main thread then
//          waits in vfork, uninterruptibly (D in /proc; tsnap: VFORK, vfork)
// tag: thread names are NAME-spin, NAME-sleep, NAME-pipe (default gt; at most 8 chars)
// Prints "ready <pid> <child pid or 0>" once every thread is in place; runs until killed.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];
static volatile unsigned long sink;
static const char *tag = "gt";

static void *spin(void *arg) {
  (void)arg;
  for (;;) sink++;
  return NULL;
}

static void *sleeper(void *arg) {
  (void)arg;
  struct timespec ts = {1000000, 0};
  for (;;) nanosleep(&ts, NULL);
  return NULL;
}

static void *reader(void *arg) {
  (void)arg;
  char c;
  for (;;) {
    if (read(pipefd[0], &c, 1) <= 0) pause();
  }
  return NULL;
}

static void start(int n, void *(*fn)(void *), const char *name) {
  for (int i = 0; i < n; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, fn, NULL) != 0) {
      perror("pthread_create");
      exit(1);
    }
    char label[16];
    snprintf(label, sizeof label, "%.8s-%s", tag, name);
    pthread_setname_np(t, label);
  }
}

int main(int argc, char **argv) {
  int spins = 1, sleeps = 3, pipes = 2, do_vfork = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    int v = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "spin")) spins = v;
    else if (!strcmp(argv[i], "sleep")) sleeps = v;
    else if (!strcmp(argv[i], "pipe")) pipes = v;
    else if (!strcmp(argv[i], "vfork")) do_vfork = v;
    else if (!strcmp(argv[i], "tag")) tag = argv[i + 1];
  }
  if (pipe(pipefd) != 0) return 1;
  start(spins, spin, "spin");
  start(sleeps, sleeper, "sleep");
  start(pipes, reader, "pipe");
  usleep(100000); // let every thread reach its blocking call
  if (!do_vfork) {
    printf("ready %d 0\n", getpid());
    fflush(stdout);
    for (;;) pause();
  }
  fflush(stdout);
  int parent = getpid();
  pid_t child = vfork();
  if (child == 0) {
    // The parent is suspended until we exit; tell the test and wait to be killed.
    char line[64];
    int n = snprintf(line, sizeof line, "ready %d %d\n", parent, getpid());
    if (write(1, line, n) < 0) _exit(1);
    for (;;) pause();
  }
  for (;;) pause();
}
