// Shared by the workloads that read a file with O_DIRECT: write `bytes` of it in full
// (1 MiB chunks, then fsync, so every later read goes to the block device) and open it
// again O_DIRECT for reading. Returns the fd, or -1 after printing why.
#ifndef TSNAP_WORKLOAD_DIRECT_FILE_H
#define TSNAP_WORKLOAD_DIRECT_FILE_H
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int direct_file(const char *path, long bytes) {
  int wfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (wfd < 0) {
    perror(path);
    return -1;
  }
  char *chunk = malloc(1 << 20);
  memset(chunk, 0x5a, 1 << 20);
  for (long off = 0; off < bytes; off += 1 << 20)
    if (write(wfd, chunk, 1 << 20) != 1 << 20) {
      perror("write");
      return -1;
    }
  free(chunk);
  fsync(wfd);
  close(wfd);
  int fd = open(path, O_RDONLY | O_DIRECT);
  if (fd < 0) perror("open O_DIRECT");
  return fd;
}
#endif
