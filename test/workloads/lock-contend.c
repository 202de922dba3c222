// Threads contending on one kernel lock: T threads each pwrite() N blocks of B bytes into
// one shared file (each write takes the inode's i_rwsem for write, so writers queue on it:
// lock:contention_begin/end with the rwsem's address, WRITE). Prints "ready PID" once the
// threads wait at a barrier, starts them on SIGUSR1 (at once if GO is given as a 5th
// argument), prints "done PID" when all are through and exits.
//   lock-contend FILE THREADS WRITES BYTES [go]
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "start-signal.h"

static int fd, n, bsz;
static pthread_barrier_t go;

static void *writer(void *arg)
{
	long t = (long)arg;
	char *buf = malloc(bsz);
	memset(buf, 'a' + t, bsz);
	pthread_barrier_wait(&go);
	for (int i = 0; i < n; i++)
		if (pwrite(fd, buf, bsz, (off_t)i * bsz) != bsz) { perror("pwrite"); exit(1); }
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: lock-contend FILE THREADS WRITES BYTES [go]\n");
		return 2;
	}
	int threads = atoi(argv[2]);
	n = atoi(argv[3]); bsz = atoi(argv[4]);
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) { perror("open"); return 1; }
	pthread_t th[64];
	if (threads < 1 || threads > 64) { fprintf(stderr, "THREADS: 1 to 64\n"); return 2; }
	block_start();
	pthread_barrier_init(&go, NULL, threads + 1);
	for (long t = 0; t < threads; t++) pthread_create(&th[t], NULL, writer, (void *)t);
	printf("ready %d\n", getpid()); fflush(stdout);
	if (argc == 5)
		wait_start();
	pthread_barrier_wait(&go);
	for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
	printf("done %d\n", getpid()); fflush(stdout);
	return 0;
}
