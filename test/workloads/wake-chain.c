// Test workload for `tsnap wakeuptime` and `tsnap offwaketime`: after SIGUSR1 two threads
// hand a byte through a pipe LOOPS times. "waitee" blocks in read() from wait_fn; "waker"
// naps NAP_MS in nanosleep from nap_fn, then writes the byte from wake_fn, which wakes the
// waitee. So the waitee blocks ~NAP_MS per loop, each time woken by the waker's write
// (kernel: pipe_write), and the waker itself is woken by a timer (hrtimer_wakeup). Each
// thread measures the time inside its blocking calls and its whole off-CPU time as the
// kernel accounts it (wall minus on-CPU from /proc/thread-self/schedstat):
//   wake-chain [LOOPS] [NAP_MS]   prints "ready <pid>", waits for SIGUSR1, then one line
//                                 per thread: "<name> <tid> <ns in calls> <calls> <off-CPU ns>"
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "start-signal.h"

static int loops = 20;
static long nap_ms = 100;
static int pipefd[2];
static struct result {
  int tid;
  long long call_ns;
  long calls;
  long long offcpu_ns;
} res_waitee, res_waker;

__attribute__((noipa)) void wait_fn(struct result *r) {
  char c;
  long long t0 = now_ns();
  if (read(pipefd[0], &c, 1) != 1) {
    perror("read");
    exit(1);
  }
  r->call_ns += now_ns() - t0;
  r->calls++;
}

__attribute__((noipa)) void nap_fn(struct result *r) {
  struct timespec d = {nap_ms / 1000, (nap_ms % 1000) * 1000000L};
  long long t0 = now_ns();
  nanosleep(&d, NULL);
  r->call_ns += now_ns() - t0;
  r->calls++;
}

__attribute__((noipa)) void wake_fn(void) {
  if (write(pipefd[1], "x", 1) != 1) {
    perror("write");
    exit(1);
  }
}

/* The thread's id and its off-CPU time since `t0` (start-signal.h). */
static void finish(struct result *r, long long t0) {
  r->tid = gettid();
  r->offcpu_ns = offcpu_since(t0);
}

__attribute__((noipa)) void *waitee_main(void *arg) {
  (void)arg;
  long long t0 = now_ns();
  pthread_setname_np(pthread_self(), "waitee");
  for (int i = 0; i < loops; i++) wait_fn(&res_waitee);
  finish(&res_waitee, t0);
  return NULL;
}

__attribute__((noipa)) void *waker_main(void *arg) {
  (void)arg;
  long long t0 = now_ns();
  pthread_setname_np(pthread_self(), "waker");
  for (int i = 0; i < loops; i++) {
    nap_fn(&res_waker);
    wake_fn();
  }
  finish(&res_waker, t0);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) loops = atoi(argv[1]);
  if (argc > 2) nap_ms = atol(argv[2]);
  if (pipe(pipefd) != 0) {
    perror("pipe");
    return 1;
  }
  await_start();
  pthread_t a, b;
  pthread_create(&a, NULL, waitee_main, NULL);
  pthread_create(&b, NULL, waker_main, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("waitee %d %lld %ld %lld\n", res_waitee.tid, res_waitee.call_ns, res_waitee.calls, res_waitee.offcpu_ns);
  printf("waker %d %lld %ld %lld\n", res_waker.tid, res_waker.call_ns, res_waker.calls, res_waker.offcpu_ns);
  fflush(stdout);
  return 0;
}
