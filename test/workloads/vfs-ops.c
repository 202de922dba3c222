// Test workload: a known number of file operations of each kind vfsstat counts, through
// every syscall that counts for it, made when told to (tracers filter by its PID).
//   vfs-ops N DIR
// Prints "ready <pid>", waits for SIGUSR1, then, in its main thread, N times each
// (syscall(2) directly, so the syscalls are the ones named, whatever libc prefers):
//   READ   read, pread64, readv, preadv, preadv2         (5 per round)
//   WRITE  write, pwrite64, writev, pwritev, pwritev2    (5)
//   FSYNC  fsync, fdatasync                              (2)
//   OPEN   openat O_RDONLY, openat2 O_RDONLY, open O_RDONLY,
//          openat O_CREAT (new file), creat (new file)   (5; 2 of them create)
//   UNLINK unlink, unlinkat(0)                           (2: the two files just made)
//   MKDIR  mkdir, mkdirat                                (2)
//   RMDIR  rmdir, unlinkat(AT_REMOVEDIR)                 (2)
// and, N times, calls that fail and count for nothing: read(-1), openat of a missing path,
// mkdir of an existing directory, unlink of a missing file. Then it writes one line
// "done <ops that succeeded>" (one more write) and exits.
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: vfs-ops N DIR\n");
    return 2;
  }
  int n = atoi(argv[1]);
  long ok = 0;
  char file[512], made[512], dir[512], missing[512], buf[64];
  snprintf(file, sizeof file, "%s/data", argv[2]);
  snprintf(made, sizeof made, "%s/made", argv[2]);
  snprintf(dir, sizeof dir, "%s/sub", argv[2]);
  snprintf(missing, sizeof missing, "%s/missing", argv[2]);
  memset(buf, 'x', sizeof buf);
  int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, buf, sizeof buf) != sizeof buf) return 1;
  mkdir(argv[2], 0700);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  int sig;
  sigwait(&set, &sig);

  struct iovec iov = {buf, 8};
  struct open_how how = {.flags = O_RDONLY};
  for (int i = 0; i < n; i++) {
    ok += syscall(SYS_read, fd, buf, 8) >= 0;
    ok += syscall(SYS_pread64, fd, buf, 8, 0) >= 0;
    ok += syscall(SYS_readv, fd, &iov, 1) >= 0;
    ok += syscall(SYS_preadv, fd, &iov, 1, 0, 0) >= 0;
    ok += syscall(SYS_preadv2, fd, &iov, 1, 0, 0, 0) >= 0;
    ok += syscall(SYS_write, fd, buf, 8) == 8;
    ok += syscall(SYS_pwrite64, fd, buf, 8, 0) == 8;
    ok += syscall(SYS_writev, fd, &iov, 1) == 8;
    ok += syscall(SYS_pwritev, fd, &iov, 1, 0, 0) == 8;
    ok += syscall(SYS_pwritev2, fd, &iov, 1, 0, 0, 0) == 8;
    ok += syscall(SYS_fsync, fd) == 0;
    ok += syscall(SYS_fdatasync, fd) == 0;
    int fds[5];
    fds[0] = syscall(SYS_openat, AT_FDCWD, file, O_RDONLY);
    fds[1] = syscall(SYS_openat2, AT_FDCWD, file, &how, sizeof how);
    fds[2] = syscall(SYS_open, file, O_RDONLY);
    fds[3] = syscall(SYS_openat, AT_FDCWD, made, O_WRONLY | O_CREAT | O_EXCL, 0600);
    fds[4] = syscall(SYS_creat, missing, 0600);
    for (int k = 0; k < 5; k++) {
      ok += fds[k] >= 0;
      if (fds[k] >= 0) close(fds[k]);
    }
    ok += syscall(SYS_unlink, made) == 0;
    ok += syscall(SYS_unlinkat, AT_FDCWD, missing, 0) == 0;
    ok += syscall(SYS_mkdir, dir, 0700) == 0;
    ok += syscall(SYS_rmdir, dir) == 0;
    ok += syscall(SYS_mkdirat, AT_FDCWD, dir, 0700) == 0;
    ok += syscall(SYS_unlinkat, AT_FDCWD, dir, AT_REMOVEDIR) == 0;
    // Failures: none of these counts.
    ok -= syscall(SYS_read, -1, buf, 8) >= 0;
    ok -= syscall(SYS_openat, AT_FDCWD, missing, O_RDONLY) >= 0;
    ok -= syscall(SYS_mkdir, argv[2], 0700) == 0;
    ok -= syscall(SYS_unlink, missing) == 0;
  }
  printf("done %ld\n", ok);
  fflush(stdout);
  return 0;
}
