// Test workload: O_DIRECT reads and writes of known sizes at known places, made when told
// to (so tracers can pick its PID), each reported with the disk byte it starts at.
//   odirect-sizes FILE N
// Writes FILE (8 MiB, synced), prints "ready <pid>", waits for SIGUSR1, then in one thread:
//   N x  pread  of 4096, 16384, 65536, 4096, ... bytes at offset i * 128 KiB   (O_DIRECT)
//   N x  pwrite of 8192 bytes at offset i * 128 KiB + 64 KiB                    (O_DIRECT)
// and prints one line per I/O, "io R|W <bytes> <disk byte>", where the disk byte is where
// the offset lies on the file system's device (FIEMAP: its physical offset), then "done".
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "direct-file.h"

#define FILE_BYTES (8L << 20)
#define STEP (128L << 10)

/** The device byte of file offset `off` (-1 when FIEMAP cannot say). */
static long long physical(int fd, long off) {
  char space[sizeof(struct fiemap) + sizeof(struct fiemap_extent)];
  struct fiemap *fm = (struct fiemap *)space;
  memset(space, 0, sizeof space);
  fm->fm_start = off;
  fm->fm_length = 1;
  fm->fm_flags = FIEMAP_FLAG_SYNC;
  fm->fm_extent_count = 1;
  if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0 || fm->fm_mapped_extents < 1) return -1;
  struct fiemap_extent *e = &fm->fm_extents[0];
  return (long long)(e->fe_physical + (off - e->fe_logical));
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: odirect-sizes FILE N\n");
    return 2;
  }
  int n = atoi(argv[2]);
  if (n < 1 || n * STEP > FILE_BYTES) {
    fprintf(stderr, "N must be 1..%ld\n", FILE_BYTES / STEP);
    return 2;
  }
  int rfd = direct_file(argv[1], FILE_BYTES);
  int wfd = open(argv[1], O_WRONLY | O_DIRECT);
  void *buf;
  if (rfd < 0 || wfd < 0 || posix_memalign(&buf, 4096, 65536) != 0) return 1;
  memset(buf, 0x33, 65536);
  static const int sizes[] = {4096, 16384, 65536};
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  int sig;
  sigwait(&set, &sig);
  for (int i = 0; i < n; i++)
    if (pread(rfd, buf, sizes[i % 3], i * STEP) != sizes[i % 3]) return 1;
  for (int i = 0; i < n; i++)
    if (pwrite(wfd, buf, 8192, i * STEP + STEP / 2) != 8192) return 1;
  for (int i = 0; i < n; i++) printf("io R %d %lld\n", sizes[i % 3], physical(rfd, i * STEP));
  for (int i = 0; i < n; i++) printf("io W 8192 %lld\n", physical(rfd, i * STEP + STEP / 2));
  printf("done\n");
  fflush(stdout);
  return 0;
}
