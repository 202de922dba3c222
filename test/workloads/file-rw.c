// Test workload: reads and writes of known counts and sizes on two files and a socket,
// made when told to (so tracers can pick its PID), in one thread.
//   file-rw DIR
// Prints "ready <pid>", waits for SIGUSR1, then:
//   DIR/ft-a: 10 x write(4096) + 7 x pwrite64(1000)          17 writes, 47960 bytes
//   DIR/ft-b: 3 x writev(2 x 2048)                            3 writes, 12288 bytes
//             then, on another fd, 4 x read(100) + 5 x readv(3 x 512) + 2 x pread64(256):
//                                                              11 reads, 8592 bytes
//   a socketpair: 6 x write(10) on one end, 6 x read(10) on the other
// then prints "done" (its only other output).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "start-signal.h"

static char buf[4096];

static void must(long got, long want, const char *what) {
  if (got != want) {
    fprintf(stderr, "%s: %ld, not %ld\n", what, got, want);
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: file-rw DIR\n");
    return 2;
  }
  char a[4096], b[4096];
  snprintf(a, sizeof a, "%s/ft-a", argv[1]);
  snprintf(b, sizeof b, "%s/ft-b", argv[1]);
  int fa = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int fb = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int rb = open(b, O_RDONLY);
  int sv[2];
  if (fa < 0 || fb < 0 || rb < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return 1;
  memset(buf, 'x', sizeof buf);
  await_start();
  for (int i = 0; i < 10; i++) must(write(fa, buf, 4096), 4096, "write a");
  for (int i = 0; i < 7; i++) must(pwrite(fa, buf, 1000, 100000 + i * 1000), 1000, "pwrite a");
  struct iovec w2[2] = {{buf, 2048}, {buf + 2048, 2048}};
  for (int i = 0; i < 3; i++) must(writev(fb, w2, 2), 4096, "writev b");
  for (int i = 0; i < 4; i++) must(read(rb, buf, 100), 100, "read b");
  struct iovec r3[3] = {{buf, 512}, {buf + 512, 512}, {buf + 1024, 512}};
  for (int i = 0; i < 5; i++) must(readv(rb, r3, 3), 1536, "readv b");
  for (int i = 0; i < 2; i++) must(pread(rb, buf, 256, i * 256), 256, "pread b");
  for (int i = 0; i < 6; i++) {
    must(write(sv[0], buf, 10), 10, "write socket");
    must(read(sv[1], buf, 10), 10, "read socket");
  }
  printf("done\n");
  fflush(stdout);
  return 0;
}
