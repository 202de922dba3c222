// Test workload: a known set of opens, made when told to (so tracers can filter by its PID).
//   open-storm N DIR TAG
// Prints "ready <pid>", waits for SIGUSR1, then, in its main thread:
//   1 x  open(DIR/TAG.file, O_WRONLY|O_CREAT|O_TRUNC, 0640)     (the syscall open, not openat)
//   N x  openat(AT_FDCWD, DIR/TAG.file, O_RDONLY)               succeed
//   N x  openat(AT_FDCWD, DIR/TAG.missing.<i>, O_RDONLY)        fail with ENOENT
//   N x  open(DIR/TAG.file, O_WRONLY|O_APPEND)                  succeed (the syscall open)
//   1 x  openat2(AT_FDCWD, DIR/TAG.file, {O_RDONLY|O_CLOEXEC}) succeed
// each successful fd closed at once; then prints "done <succeeded> <failed>" (its truth:
// the results it saw) and exits. Paths are built on the stack (in memory a tracer can read).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "start-signal.h"

static int ok, failed;

static void count(long fd) {
  if (fd >= 0) {
    ok++;
    close((int)fd);
  } else if (errno == ENOENT) {
    failed++;
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: open-storm N DIR TAG\n");
    return 2;
  }
  int n = atoi(argv[1]);
  char file[512], missing[512];
  snprintf(file, sizeof file, "%s/%s.file", argv[2], argv[3]);
  await_start();
  count(syscall(SYS_open, file, O_WRONLY | O_CREAT | O_TRUNC, 0640));
  for (int i = 0; i < n; i++) count(syscall(SYS_openat, AT_FDCWD, file, O_RDONLY));
  for (int i = 0; i < n; i++) {
    snprintf(missing, sizeof missing, "%s/%s.missing.%d", argv[2], argv[3], i);
    count(syscall(SYS_openat, AT_FDCWD, missing, O_RDONLY));
  }
  for (int i = 0; i < n; i++) count(syscall(SYS_open, file, O_WRONLY | O_APPEND));
  struct open_how how = {.flags = O_RDONLY | O_CLOEXEC};
  count(syscall(SYS_openat2, AT_FDCWD, file, &how, sizeof how));
  unlink(file);
  printf("done %d %d\n", ok, failed);
  fflush(stdout);
  return 0;
}
