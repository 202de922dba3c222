// Test workload: files created and deleted in known ways, when told to.
//   file-life N SLEEP_MS
// Makes a directory with N files "x<i>" in it (made before tracing, so not "created" by
// what follows), prints "ready <pid> <dir>", waits for SIGUSR1, then for each i < N:
//   creat(dir/c<i>) then rename(c<i> -> r<i>)      (deleted by its new name)
//   openat(dirfd, "o<i>", O_CREAT|O_WRONLY)       (deleted relative to dirfd)
//   open(dir/u<i>, O_CREAT|O_RDWR) kept open      (deleted while still open)
//   open(dir/x<i>, O_CREAT|O_WRONLY)              (exists: not created)
// sleeps SLEEP_MS, then unlink(dir/r<i>), unlinkat(dirfd, "o<i>", 0), unlink(dir/u<i>),
// unlink(dir/x<i>), and one unlink of a missing name (fails). It prints, for each file it
// created and deleted, "file <name> <lo_ns> <hi_ns>": the file's age lies between lo (from
// after its create returned to before its unlink was called) and hi (from before the
// create to after the unlink); then "done <files>", removes the directory and exits 0.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "start-signal.h"

struct life {
  char name[16];
  long long before_create, after_create, before_unlink, after_unlink;
};

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: file-life N SLEEP_MS\n");
    return 2;
  }
  int n = atoi(argv[1]);
  int sleep_ms = atoi(argv[2]);
  char dir[] = "/tmp/tsnap-life-XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
  char p[128], q[128];
  for (int i = 0; i < n; i++) {
    snprintf(p, sizeof(p), "%s/x%d", dir, i);
    close(open(p, O_CREAT | O_WRONLY, 0600));
  }
  struct life *l = calloc(3 * n, sizeof(*l));
  int *open_fds = calloc(n, sizeof(int));
  block_start();
  printf("ready %d %s\n", getpid(), dir);
  fflush(stdout);
  wait_start();
  for (int i = 0; i < n; i++) {
    struct life *c = &l[3 * i], *o = &l[3 * i + 1], *u = &l[3 * i + 2];
    snprintf(c->name, sizeof(c->name), "r%d", i);
    snprintf(p, sizeof(p), "%s/c%d", dir, i);
    c->before_create = now_ns();
    close(creat(p, 0600));
    c->after_create = now_ns();
    snprintf(q, sizeof(q), "%s/r%d", dir, i);
    rename(p, q);
    snprintf(o->name, sizeof(o->name), "o%d", i);
    o->before_create = now_ns();
    close(openat(dirfd, o->name, O_CREAT | O_WRONLY, 0600));
    o->after_create = now_ns();
    snprintf(u->name, sizeof(u->name), "u%d", i);
    snprintf(p, sizeof(p), "%s/u%d", dir, i);
    u->before_create = now_ns();
    open_fds[i] = open(p, O_CREAT | O_RDWR, 0600);
    u->after_create = now_ns();
    snprintf(p, sizeof(p), "%s/x%d", dir, i);
    close(open(p, O_CREAT | O_WRONLY, 0600));
  }
  usleep(sleep_ms * 1000);
  for (int i = 0; i < n; i++) {
    struct life *c = &l[3 * i], *o = &l[3 * i + 1], *u = &l[3 * i + 2];
    snprintf(p, sizeof(p), "%s/r%d", dir, i);
    c->before_unlink = now_ns();
    unlink(p);
    c->after_unlink = now_ns();
    o->before_unlink = now_ns();
    unlinkat(dirfd, o->name, 0);
    o->after_unlink = now_ns();
    snprintf(p, sizeof(p), "%s/u%d", dir, i);
    u->before_unlink = now_ns();
    unlink(p);
    u->after_unlink = now_ns();
    close(open_fds[i]);
    snprintf(p, sizeof(p), "%s/x%d", dir, i);
    unlink(p);
  }
  snprintf(p, sizeof(p), "%s/missing", dir);
  unlink(p);
  for (int i = 0; i < 3 * n; i++)
    printf("file %s %lld %lld\n", l[i].name, l[i].before_unlink - l[i].after_create,
           l[i].after_unlink - l[i].before_create);
  printf("done %d\n", 3 * n);
  fflush(stdout);
  close(dirfd);
  rmdir(dir);
  return 0;
}
