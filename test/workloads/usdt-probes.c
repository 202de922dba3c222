// Test workload for USDT probes (systemtap's <sys/sdt.h>): prints "ready PID", then on each
// SIGUSR1 fires tsnap:tick TICKS times (argument: the index; unguarded) and tsnap:guarded GUARDED
// times, the latter only while its semaphore says a tracer is attached, and prints
// "done FIRED" with how many guarded probes fired.
//   usdt-probes TICKS GUARDED
#define _GNU_SOURCE
#define _SDT_HAS_SEMAPHORES 1
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

unsigned short tsnap_tick_semaphore __attribute__((unused)) __attribute__((section(".probes")));
unsigned short tsnap_guarded_semaphore __attribute__((unused)) __attribute__((section(".probes")));

static volatile sig_atomic_t go;

static void on_usr1(int sig) {
  (void)sig;
  go = 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: usdt-probes TICKS GUARDED\n");
    return 2;
  }
  long ticks = atol(argv[1]), guarded = atol(argv[2]);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  signal(SIGUSR1, on_usr1);
  sigprocmask(SIG_BLOCK, &block, &old);
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) {
    while (!go) sigsuspend(&old);
    go = 0;
    for (long i = 0; i < ticks; i++) STAP_PROBE1(tsnap, tick, i);
    long fired = 0;
    for (long i = 0; i < guarded; i++) {
      if (tsnap_guarded_semaphore) {
        STAP_PROBE(tsnap, guarded);
        fired++;
      }
    }
    printf("done %ld\n", fired);
    fflush(stdout);
  }
}
