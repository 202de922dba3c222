// Test workload: stat-family calls made in known ways, when told to (x86-64: stat and
// lstat are there; arm64 has neither and the workload says so).
//   stat-calls N
// Makes a directory with a file "f" in it, prints "ready <pid> <dir>", waits for SIGUSR1,
// then calls, through syscall(2) so that each is the syscall named:
//   N stat(dir/f)                      N lstat(dir/missing)  (ENOENT)
//   N newfstatat(dirfd, "f", 0)        N statx(AT_FDCWD, dir/f)
//   N statfs(dir)                      N newfstatat(fd, "", AT_EMPTY_PATH)  (fstat as glibc does it)
// then prints "done <calls that returned 0> <calls that failed>" (its truth), removes what
// it made and exits with 0.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ok, failed;

static void count(long r) {
  if (r == 0) ok++;
  else failed++;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: stat-calls N\n");
    return 2;
  }
#if !defined(SYS_stat) || !defined(SYS_lstat)
  fprintf(stderr, "stat-calls: this architecture has no stat(2) or lstat(2)\n");
  return 3;
#else
  int n = atoi(argv[1]);
  char dir[] = "/tmp/tsnap-stat-XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  char file[64], missing[64];
  snprintf(file, sizeof(file), "%s/f", dir);
  snprintf(missing, sizeof(missing), "%s/missing", dir);
  int fd = open(file, O_CREAT | O_RDWR, 0600);
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0 || dirfd < 0) {
    perror("open");
    return 1;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("ready %d %s\n", getpid(), dir);
  fflush(stdout);
  int sig;
  sigwait(&set, &sig);
  struct stat st;
  struct statx stx;
  struct statfs sfs;
  for (int i = 0; i < n; i++) count(syscall(SYS_stat, file, &st));
  for (int i = 0; i < n; i++) count(syscall(SYS_lstat, missing, &st));
  for (int i = 0; i < n; i++) count(syscall(SYS_newfstatat, dirfd, "f", &st, 0));
  for (int i = 0; i < n; i++) count(syscall(SYS_statx, AT_FDCWD, file, 0, STATX_BASIC_STATS, &stx));
  for (int i = 0; i < n; i++) count(syscall(SYS_statfs, dir, &sfs));
  for (int i = 0; i < n; i++) count(syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH));
  printf("done %d %d\n", ok, failed);
  fflush(stdout);
  close(fd);
  close(dirfd);
  unlink(file);
  rmdir(dir);
  return 0;
#endif
}
