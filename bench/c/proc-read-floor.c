// The floor for /proc sampling: pread of stat, syscall and wchan of every thread of a
// process through fds kept open, in C. Prints CPU µs per thread-round.
//   proc-read-floor PID ROUNDS
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int rounds = atoi(argv[2]);
  char path[256];
  snprintf(path, sizeof path, "/proc/%s/task", argv[1]);
  DIR *d = opendir(path);
  if (!d) return 1;
  static int fds[20000];
  int n = 0;
  const char *files[] = {"stat", "syscall", "wchan"};
  struct dirent *e;
  while ((e = readdir(d)) && n < 19990) {
    if (e->d_name[0] == '.') continue;
    for (int f = 0; f < 3; f++) {
      snprintf(path, sizeof path, "/proc/%s/task/%s/%s", argv[1], e->d_name, files[f]);
      fds[n++] = open(path, O_RDONLY);
    }
  }
  closedir(d);
  char buf[4096];
  struct rusage a, b;
  getrusage(RUSAGE_SELF, &a);
  for (int r = 0; r < rounds; r++)
    for (int i = 0; i < n; i++) (void)!pread(fds[i], buf, sizeof buf, 0);
  getrusage(RUSAGE_SELF, &b);
  double us = (b.ru_utime.tv_sec - a.ru_utime.tv_sec) * 1e6 + (b.ru_utime.tv_usec - a.ru_utime.tv_usec) +
              (b.ru_stime.tv_sec - a.ru_stime.tv_sec) * 1e6 + (b.ru_stime.tv_usec - a.ru_stime.tv_usec);
  printf("%.2f\n", us / rounds / (n / 3));
  return 0;
}
