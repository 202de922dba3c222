// Test workload: N execs that succeed and N that fail, each in a child that is waited for.
//   exec-storm N TAG
// Child i runs execve("/bin/true", {"true", TAG, "<i>", "a b"}); then child i runs
// execve("/nonexistent/TAG", {"x", TAG, "<i>"}), which fails with ENOENT (the child exits
// 127). Every string is in memory the process has touched (see below). Prints "done <succeeded> <failed>" at the end (its truth: the exits it saw).
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: exec-storm N TAG\n");
    return 2;
  }
  int n = atoi(argv[1]);
  char missing[256];
  snprintf(missing, sizeof missing, "/nonexistent/%s", argv[2]);
  int ok = 0, failed = 0;
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < n; i++) {
      char num[16];
      snprintf(num, sizeof num, "%d", i);
      pid_t pid = fork();
      if (pid == 0) {
        if (pass == 0) {
          // Strings on the stack: a literal may sit in a page not yet faulted in, which a
          // tracepoint program cannot read (the exec would be reported without arguments).
          char path[] = "/bin/true", name[] = "true", ab[] = "a b";
          char *args[] = {name, argv[2], num, ab, NULL};
          execve(path, args, (char *[]){NULL});
        } else {
          char *args[] = {"x", argv[2], num, NULL};
          execve(missing, args, (char *[]){NULL});
        }
        _exit(127);
      }
      int st;
      waitpid(pid, &st, 0);
      if (WIFEXITED(st) && WEXITSTATUS(st) == 0) ok++;
      if (WIFEXITED(st) && WEXITSTATUS(st) == 127) failed++;
    }
  }
  printf("done %d %d\n", ok, failed);
  return 0;
}
