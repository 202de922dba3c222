// Test workload for USDT probe arguments (systemtap's <sys/sdt.h>): prints "ready PID",
// then on each SIGUSR1 fires, for i in 0..N-1:
//   tsnap:args  (i, -i as int, i*3 as short, i & 0xff as unsigned char, 42, NAMES[i % 4])
//   tsnap:mem   (a volatile local equal to 1000 + i, read from memory, and i)
//   read(2) of 1024 * (1 + i % 8) bytes from /dev/zero
// and prints "done". The compiler picks where each argument is (a register, memory at a
// register plus a displacement, a constant): `readelf -n` shows the note's choices.
//   usdt-args N
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/sdt.h>
#include <unistd.h>

static volatile sig_atomic_t go;
static const char *const NAMES[] = {"alpha", "beta", "gamma", "delta"};

static void on_usr1(int sig) {
  (void)sig;
  go = 1;
}

static int zero_fd;
static char buf[8192];

__attribute__((noinline)) static void fire(long n) {
  for (long i = 0; i < n; i++) {
    int neg = -(int)i;
    short tri = (short)(i * 3);
    unsigned char low = (unsigned char)(i & 0xff);
    const char *name = NAMES[i % 4];
    STAP_PROBE6(tsnap, args, i, neg, tri, low, 42, name);
    volatile long in_memory = 1000 + i;
    STAP_PROBE2(tsnap, mem, in_memory, i);
    if (read(zero_fd, buf, 1024 * (1 + i % 8)) < 0) perror("read");
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: usdt-args N\n");
    return 2;
  }
  long n = atol(argv[1]);
  zero_fd = open("/dev/zero", O_RDONLY);
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
    fire(n);
    printf("done\n");
    fflush(stdout);
  }
}
