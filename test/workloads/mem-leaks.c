// Test workload: allocations through libc that are kept (leaked) or freed, from known
// functions, in two rounds (memleak).
//   mem-leaks MALLOCS CALLOCS REALLOCS MEMALIGNS ALIGNED MMAPS YOUNG CHURN [run]
// Prints "ready <pid>"; each SIGUSR1 runs the next round and prints "done". With "run":
// round 1 at once, then a 2 s sleep and exit 0, printing nothing (for memleak -c).
// Round 1 keeps: MALLOCS x malloc(48) in leak_malloc, CALLOCS x calloc(10, 100) in
// leak_calloc, REALLOCS x realloc(malloc(16), 300) in leak_realloc (the 16-byte block is
// freed by realloc), MEMALIGNS x posix_memalign(64, 4096) in leak_memalign, ALIGNED x
// aligned_alloc(256, 512) in leak_aligned, MMAPS x mmap(8192) in leak_mmap; and frees
// everything churn makes: CHURN x (malloc(64), calloc(4, 32), realloc to 128, free) and
// one mmap/munmap of 8192 bytes. Round 2 keeps YOUNG x malloc(200) in leak_young.
// Build with -fno-omit-frame-pointer so user stacks reach the leaking function's caller.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "start-signal.h"

void *kept[1 << 16];
int nkept;

/* The compiler may not drop an allocation whose pointer an asm statement reads (GCC
 * removes malloc/free pairs, and stores nothing reads). */
#define OPAQUE(p) __asm__ volatile("" : : "r"(p) : "memory")

static void keep(void *p) {
  OPAQUE(p);
  if (nkept < (int)(sizeof(kept) / sizeof(kept[0]))) kept[nkept++] = p;
}

__attribute__((noinline)) static void leak_malloc(int n) {
  for (int i = 0; i < n; i++) keep(malloc(48));
}

__attribute__((noinline)) static void leak_calloc(int n) {
  for (int i = 0; i < n; i++) keep(calloc(10, 100));
}

__attribute__((noinline)) static void leak_realloc(int n) {
  for (int i = 0; i < n; i++) {
    char *p = malloc(16);
    p[0] = 1;
    keep(realloc(p, 300));
  }
}

__attribute__((noinline)) static void leak_memalign(int n) {
  for (int i = 0; i < n; i++) {
    void *p = NULL;
    if (posix_memalign(&p, 64, 4096) == 0) keep(p);
  }
}

__attribute__((noinline)) static void leak_aligned(int n) {
  for (int i = 0; i < n; i++) keep(aligned_alloc(256, 512));
}

__attribute__((noinline)) static void leak_mmap(int n) {
  for (int i = 0; i < n; i++)
    keep(mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
}

__attribute__((noinline)) static void leak_young(int n) {
  for (int i = 0; i < n; i++) keep(malloc(200));
}

__attribute__((noinline)) static void churn(int n) {
  for (int i = 0; i < n; i++) {
    char *a = malloc(64);
    char *b = calloc(4, 32);
    a[0] = b[0] = 1;
    b = realloc(b, 128);
    OPAQUE(a);
    OPAQUE(b);
    free(a);
    free(b);
  }
  void *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(m, 8192);
}

__attribute__((noinline)) static void round1(const int *n) {
  leak_malloc(n[0]);
  leak_calloc(n[1]);
  leak_realloc(n[2]);
  leak_memalign(n[3]);
  leak_aligned(n[4]);
  leak_mmap(n[5]);
  churn(n[7]);
}

int main(int argc, char **argv) {
  if (argc < 9) {
    fprintf(stderr, "usage: mem-leaks MALLOCS CALLOCS REALLOCS MEMALIGNS ALIGNED MMAPS YOUNG CHURN\n");
    return 2;
  }
  int n[8];
  for (int i = 0; i < 8; i++) n[i] = atoi(argv[i + 1]);
  if (argc > 9 && strcmp(argv[9], "run") == 0) {
    round1(n); /* nothing printed: stdio's buffer would be one more allocation */
    sleep(2);
    return 0;
  }
  block_start();
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (int round = 1;; round++) {
    wait_start();
    if (round == 1)
      round1(n);
    else if (round == 2) {
      leak_young(n[6]);
    }
    printf("done %d\n", round);
    fflush(stdout);
  }
}
