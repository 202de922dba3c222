// SPDX-License-Identifier: GPL-2.0
/* tsnap fsslower: file reads, writes, opens and fsyncs slower than a threshold, one
 * record each, for the files of one filesystem type or of all (bcc/libbpf-tools fsslower,
 * ext4slower, ...). Timed at the syscall layer (lib/fsops.bpf.h: this kernel has no
 * kprobes or fentry for the filesystem's functions); the records go to a ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/fdfile.bpf.h"
#include "lib/fsops.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define FILE_NAME_LEN 32

/* The layouts user space shares (fsslower-records.ts declares them). */
struct fsslower_config {
	__u32 tgid;			/* only this process, 0 = every process */
	__u32 pad;
	__u64 min_ns;			/* only operations that took longer */
	char fstype[FSTYPE_LEN];	/* only files of this filesystem type, "" = every type */
};

struct fsslower_event {
	__u64 ts;			/* CLOCK_MONOTONIC ns at the syscall's return */
	__u64 delta_ns;
	__s64 offset;			/* the file position the operation started at */
	__s64 size;			/* read/write: the return value; fsync: LLONG_MAX (the whole file) */
	__u32 pid;
	__u32 tid;
	__u32 op;
	__u32 pad;
	char fstype[FSTYPE_LEN];
	char comm[16];
	char file[FILE_NAME_LEN];
};

const volatile struct fsslower_config cfg = {};

FSOP_START_MAP(start);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 2);

#define LOST_RING 0	/* operations not reported: the ring buffer was full */
#define LOST_START 1	/* operations not timed: `start` was full */

static __always_inline int on_enter(__u32 op, int fd, __s64 pos)
{
	if (fsop_begin(&start, op, fd, pos, cfg.tgid, cfg.fstype))
		count_in(&lost, LOST_START);
	return 0;
}

static __always_inline int on_exit(void *ctx, long ret)
{
	struct fsslower_event *e;
	char name[FSTYPE_LEN];
	struct fsop_start s;
	const unsigned char *file;
	struct file *fp;
	__u64 ns, id;

	if (!fsop_end(&start, ret, cfg.fstype, &s, name, &ns) || (__s64)ns < 0 || ns <= cfg.min_ns)
		return 0;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, LOST_RING);
	if (!e)
		return 0;
	id = bpf_get_current_pid_tgid();
	e->ts = bpf_ktime_get_ns();
	e->delta_ns = ns;
	e->offset = s.op == FS_OPEN ? 0 : s.offset;
	e->size = s.op == FS_FSYNC ? 0x7fffffffffffffffLL : s.op == FS_OPEN ? 0 : ret;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->op = s.op;
	e->pad = 0;
	__builtin_memcpy(e->fstype, name, FSTYPE_LEN);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	fp = s.file;
	file = BPF_CORE_READ(fp, f_path.dentry, d_name.name);
	if (!file || bpf_probe_read_kernel_str(e->file, sizeof(e->file), file) < 0)
		e->file[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

FSOP_PROGRAMS(fsslower)
