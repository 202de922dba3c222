// Test workload: writes BLOCK bytes at a time with O_DIRECT to FILE (preallocated, 16 MiB,
// overwritten in a loop) for at most SECONDS, so block I/O requests of exactly BLOCK bytes
// are in flight most of the time.
//   odirect-write FILE [BLOCK [SECONDS]]      defaults: 65536 bytes, 30 s
// Prints "ready <pid>" before the first write.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define FILE_BYTES (16L << 20)

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: odirect-write FILE [BLOCK [SECONDS]]\n");
    return 2;
  }
  long block = argc > 2 ? atol(argv[2]) : 65536;
  long seconds = argc > 3 ? atol(argv[3]) : 30;
  if (block < 4096 || block % 4096 != 0 || block > FILE_BYTES) {
    fprintf(stderr, "odirect-write: BLOCK must be a multiple of 4096 up to 16 MiB\n");
    return 2;
  }
  int fd = open(argv[1], O_RDWR | O_CREAT | O_DIRECT, 0600);
  if (fd < 0) {
    perror(argv[1]);
    return 1;
  }
  if (posix_fallocate(fd, 0, FILE_BYTES) != 0 || fsync(fd) != 0) {
    perror("fallocate");
    return 1;
  }
  void *buf;
  if (posix_memalign(&buf, 4096, (size_t)block) != 0) return 1;
  memset(buf, 0xab, (size_t)block);
  // Write every block once so later writes overwrite written (not unwritten) extents.
  for (long off = 0; off < FILE_BYTES; off += block) {
    if (pwrite(fd, buf, (size_t)block, off) != block) {
      perror("pwrite");
      return 1;
    }
  }
  fsync(fd);
  prctl(PR_SET_NAME, "odirect-write");
  printf("ready %d\n", getpid());
  fflush(stdout);
  time_t end = time(NULL) + seconds;
  long off = 0;
  while (time(NULL) < end) {
    if (pwrite(fd, buf, (size_t)block, off) != block) {
      perror("pwrite");
      return 1;
    }
    off = (off + block) % FILE_BYTES;
  }
  return 0;
}
