// Test workload: mount(2) and umount2(2) calls made in known ways, in a mount namespace of
// its own (nothing outside it sees the mounts), when told to.
//   mount-calls N
// Enters a new mount namespace with every mount private, makes a directory, prints
// "ready <pid> <dir>", waits for SIGUSR1, then calls:
//   N times: mount("tsnap-src", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=700"),
//            umount2(dir, 0)
//   mount("none", dir, "nofs", 0, NULL)                           (ENODEV)
//   umount2(dir, 0) with nothing mounted there                     (EINVAL)
//   mount("tsnap-src", dir, "tmpfs", 0, NULL), then
//   mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), then umount2(dir, MNT_DETACH)
//   mount(dir + "/missing", dir, NULL, MS_BIND, NULL)              (ENOENT)
// then prints "done <calls that returned 0> <calls that failed>" (its truth), removes the
// directory and exits with 0.
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int ok, failed;

static void count(int r) {
  if (r == 0) ok++;
  else failed++;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: mount-calls N\n");
    return 2;
  }
  int n = atoi(argv[1]);
  if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
    perror("mount-calls: a mount namespace of its own");
    return 1;
  }
  char dir[] = "/tmp/tsnap-mount-XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  char missing[64];
  snprintf(missing, sizeof(missing), "%s/missing", dir);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("ready %d %s\n", getpid(), dir);
  fflush(stdout);
  int sig;
  sigwait(&set, &sig);
  for (int i = 0; i < n; i++) {
    count(mount("tsnap-src", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=700"));
    count(umount2(dir, 0));
  }
  count(mount("none", dir, "nofs", 0, NULL));
  count(umount2(dir, 0));
  count(mount("tsnap-src", dir, "tmpfs", 0, NULL));
  count(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL));
  count(umount2(dir, MNT_DETACH));
  count(mount(missing, dir, NULL, MS_BIND, NULL));
  printf("done %d %d\n", ok, failed);
  fflush(stdout);
  rmdir(dir);
  return 0;
}
