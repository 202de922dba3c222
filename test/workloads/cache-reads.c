// Reads one file PASSES times with known page-cache state: writes FILE (PAGES pages of
// 4 KiB), fsyncs it and drops it from the page cache (posix_fadvise DONTNEED), prints
// "ready PID RESIDENT" (pages still cached, by mincore), then on SIGUSR1 (at once with a
// 5th argument) reads it start to end in CHUNK-byte read()s, PASSES times, and prints
// "done PID R1 R2 ..." with the pages mincore found cached before each pass.
//   cache-reads FILE PAGES PASSES CHUNK [go]
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "start-signal.h"

static long resident(int fd, long pages)
{
	void *m = mmap(NULL, pages * 4096, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char *v = malloc(pages);
	long n = 0;

	if (m == MAP_FAILED || mincore(m, pages * 4096, v)) {
		perror("mincore");
		exit(1);
	}
	for (long i = 0; i < pages; i++)
		n += v[i] & 1;
	munmap(m, pages * 4096);
	free(v);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: cache-reads FILE PAGES PASSES CHUNK [go]\n");
		return 2;
	}
	long pages = atol(argv[2]);
	int passes = atoi(argv[3]);
	long chunk = atol(argv[4]);
	if (pages < 1 || passes < 1 || passes > 16 || chunk < 1) {
		fprintf(stderr, "cache-reads: PAGES, PASSES (at most 16) and CHUNK must be positive\n");
		return 2;
	}
	char *buf = malloc(chunk > 4096 ? chunk : 4096);
	memset(buf, 'x', 4096);
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	for (long i = 0; i < pages; i++)
		if (write(fd, buf, 4096) != 4096) {
			perror("write");
			return 1;
		}
	if (fsync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)) {
		perror("fsync/fadvise");
		return 1;
	}
	block_start();
	printf("ready %d %ld\n", getpid(), resident(fd, pages));
	fflush(stdout);
	if (argc == 5)
		wait_start();
	long before[16];
	for (int p = 0; p < passes; p++) {
		before[p] = resident(fd, pages);
		if (lseek(fd, 0, SEEK_SET) != 0) {
			perror("lseek");
			return 1;
		}
		ssize_t r;
		while ((r = read(fd, buf, chunk)) > 0)
			;
		if (r < 0) {
			perror("read");
			return 1;
		}
	}
	printf("done %d", getpid());
	for (int p = 0; p < passes; p++)
		printf(" %ld", before[p]);
	printf("\n");
	fflush(stdout);
	return 0;
}
