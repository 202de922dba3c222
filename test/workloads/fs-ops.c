// Test workload: a known set of file operations, made when told to (tracers filter by its
// PID), for fsdist and fsslower.
//   fs-ops N P DIR TAG
// Prints "ready <pid>", waits for SIGUSR1, then, in its main thread:
//   1 x  openat(DIR/TAG.file, O_RDWR|O_CREAT|O_TRUNC)
//   N x  pwrite64(fd, 4096 bytes, offset i*4096)
//   1 x  fsync(fd)
//   N x  pread64(fd, 4096 bytes, offset i*4096)
//   N x  openat(DIR/TAG.file, O_RDONLY), each closed at once
//   P x  read(pipe, 1 byte), each waiting ~5 ms for a child process that writes one byte
//        every 5 ms (reads of known latency, on the pipe's filesystem: pipefs)
// then prints "done <ops that succeeded>" (its truth) and exits. The child's writes are
// its own process's, not the workload's.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: fs-ops N P DIR TAG\n");
    return 2;
  }
  int n = atoi(argv[1]), p = atoi(argv[2]), ok = 0;
  char file[512], buf[4096];
  snprintf(file, sizeof file, "%s/%s.file", argv[3], argv[4]);
  memset(buf, 'x', sizeof buf);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  int sig;
  sigwait(&set, &sig);

  int fd = openat(AT_FDCWD, file, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 1;
  ok++;
  for (int i = 0; i < n; i++) ok += pwrite(fd, buf, sizeof buf, (off_t)i * 4096) == 4096;
  ok += fsync(fd) == 0;
  for (int i = 0; i < n; i++) ok += pread(fd, buf, sizeof buf, (off_t)i * 4096) == 4096;
  for (int i = 0; i < n; i++) {
    int f = openat(AT_FDCWD, file, O_RDONLY);
    if (f >= 0) {
      ok++;
      close(f);
    }
  }
  close(fd);
  unlink(file);

  int pp[2];
  if (pipe(pp)) return 1;
  pid_t child = fork();
  if (child == 0) {
    close(pp[0]);
    struct timespec ts = {0, 5 * 1000 * 1000};
    for (int i = 0; i < p; i++) {
      nanosleep(&ts, NULL);
      if (write(pp[1], "x", 1) != 1) _exit(1);
    }
    _exit(0);
  }
  close(pp[1]);
  char c;
  for (int i = 0; i < p; i++) ok += read(pp[0], &c, 1) == 1;
  waitpid(child, NULL, 0);
  printf("done %d\n", ok);
  fflush(stdout);
  return 0;
}
