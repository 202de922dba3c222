// SPDX-License-Identifier: GPL-2.0
/* tsnap fsdist: the latency of file reads, writes, opens and fsyncs as log2 histograms in
 * the kernel, one per operation (and filesystem type), for the files of one filesystem
 * type or of all (bcc/libbpf-tools fsdist, ext4dist, ...). libbpf-tools times the
 * filesystem's own functions with kprobes or fentry; this kernel has neither, so the
 * operations are timed at the syscall layer (lib/fsops.bpf.h): from the syscall's entry
 * to its exit, the file's type read from its superblock. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/fdfile.bpf.h"
#include "lib/fsops.bpf.h"
#include "lib/hist.bpf.h"
#include "lib/loghist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (fsdist-records.ts declares them). */
struct fsdist_config {
	__u32 tgid;			/* only this process, 0 = every process */
	__u8 ms;			/* slots of milliseconds, not microseconds */
	__u8 pad[3];
	char fstype[FSTYPE_LEN];	/* only files of this filesystem type, "" = every type */
};

struct fsdist_key {
	__u32 op;			/* FS_READ, FS_WRITE, FS_OPEN, FS_FSYNC */
	char fstype[FSTYPE_LEN];
};

const volatile struct fsdist_config cfg = {};

FSOP_START_MAP(start);
LOG_HIST_MAP(hists, struct fsdist_key);
COUNTER_ARRAY(lost, 2);

#define LOST_START 0	/* operations not timed: `start` was full */
#define LOST_HIST 1	/* operations not counted: `hists` was full */

static __always_inline int on_enter(__u32 op, int fd, __s64 pos)
{
	if (fsop_begin(&start, op, fd, pos, cfg.tgid, cfg.fstype))
		count_in(&lost, LOST_START);
	return 0;
}

static __always_inline int on_exit(void *ctx, long ret)
{
	struct fsdist_key key = {};
	struct fsop_start s;
	struct log_hist *h;
	__u64 ns;

	if (!fsop_end(&start, ret, cfg.fstype, &s, key.fstype, &ns) || (__s64)ns < 0)
		return 0;
	key.op = s.op;
	h = log_hist_get(&hists, &key, 0);
	if (h)
		log_hist_add(h, cfg.ms ? ns / 1000000 : ns / 1000, ns);
	else
		count_in(&lost, LOST_HIST);
	return 0;
}

FSOP_PROGRAMS(fsdist)
