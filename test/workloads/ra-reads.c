// Test workload for readahead: two files of PAGES pages (4 KiB) on a block device, written,
// fsynced and dropped from the page cache (posix_fadvise DONTNEED); prints "ready PID", and
// on SIGUSR1, in its main thread:
//   1. reads DIR/seq start to end in 64 KiB read()s: readahead brings every page in, and
//      every page is read;
//   2. asks the kernel to read all of DIR/ahead ahead (posix_fadvise WILLNEED), sleeps
//      SLEEP_MS, then reads its first K pages (64 KiB read()s; K a multiple of 16): K pages
//      read SLEEP_MS after their readahead, PAGES - K never read.
// Then prints "done S0 S1 A0 A1 A2": the pages mincore(2) found cached in seq before and
// after step 1, and in ahead before step 2, after the WILLNEED and after the reads.
//   ra-reads DIR PAGES K SLEEP_MS
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

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

static int make(const char *dir, const char *name, long pages)
{
	char path[512], buf[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	memset(buf, 'r', sizeof buf);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("open");
		exit(1);
	}
	for (long i = 0; i < pages; i++)
		if (write(fd, buf, sizeof buf) != sizeof buf) {
			perror("write");
			exit(1);
		}
	if (fsync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)) {
		perror("fsync/fadvise");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: ra-reads DIR PAGES K SLEEP_MS\n");
		return 2;
	}
	long pages = atol(argv[2]), k = atol(argv[3]), ms = atol(argv[4]);
	if (pages < 16 || k < 0 || k > pages || k % 16 || ms < 0) {
		fprintf(stderr, "ra-reads: PAGES >= 16, 0 <= K <= PAGES, K a multiple of 16\n");
		return 2;
	}
	static char buf[CHUNK];
	int seq = make(argv[1], "seq", pages), ahead = make(argv[1], "ahead", pages);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	printf("ready %d\n", getpid());
	fflush(stdout);
	int sig;
	sigwait(&usr1, &sig);

	long s0 = resident(seq, pages);
	if (lseek(seq, 0, SEEK_SET) != 0)
		return 1;
	while (read(seq, buf, CHUNK) > 0)
		;
	long s1 = resident(seq, pages);

	long a0 = resident(ahead, pages);
	if (posix_fadvise(ahead, 0, 0, POSIX_FADV_WILLNEED)) {
		perror("fadvise");
		return 1;
	}
	long a1 = resident(ahead, pages);
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	for (long off = 0; off < k * 4096; off += CHUNK)
		if (pread(ahead, buf, CHUNK, off) != CHUNK) {
			perror("pread");
			return 1;
		}
	long a2 = resident(ahead, pages);
	printf("done %ld %ld %ld %ld %ld\n", s0, s1, a0, a1, a2);
	fflush(stdout);
	return 0;
}
