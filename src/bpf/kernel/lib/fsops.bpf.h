/* SPDX-License-Identifier: GPL-2.0 */
/* File operations at the syscall layer, by the filesystem type of the file (fsdist,
 * fsslower): read (read, pread64, readv, preadv, preadv2), write (the same five), open
 * (open, openat, openat2, creat) and fsync (fsync, fdatasync). On entry the file is found
 * from its fd (open: from the fd it returns) and kept with the start time and the offset,
 * per thread; on exit the tool gets the start back and the time since. No map is defined
 * here: the includer passes its thread id → struct fsop_start hash (FSOP_START_MAP).
 *
 * The includer defines, before FSOP_PROGRAMS(tool):
 *   static int on_enter(__u32 op, int fd, __s64 pos);   pos -1: the file's position
 *   static int on_exit(void *ctx, long ret);
 * usually as calls of fsop_begin()/fsop_end() below. FSOP_PROGRAMS(tool) then makes the
 * tracepoint programs <tool>_enter_<syscall> and <tool>_exit_<syscall> (user space loads
 * those of the syscalls this kernel has: src/tools/fs-ops.ts). Include lib/fdfile.bpf.h. */
#ifndef TSNAP_LIB_FSOPS_BPF_H
#define TSNAP_LIB_FSOPS_BPF_H

#define FS_READ 0
#define FS_WRITE 1
#define FS_OPEN 2
#define FS_FSYNC 3

struct fsop_start {
	__u64 ts;
	__s64 offset;
	struct file *file;	/* NULL for an open until it returns */
	__u32 op;
	__u32 pad;
};

#define FSOP_START_MAP(name)                         \
	struct {                                     \
		__uint(type, BPF_MAP_TYPE_HASH);     \
		__uint(max_entries, 10240);          \
		__type(key, __u32);                  \
		__type(value, struct fsop_start);    \
	} name SEC(".maps")

/* Keeps the start of an operation of this thread when the process and the file's
 * filesystem type pass the filters (tgid 0: every process; fstype "": every type).
 * Returns -1 when `starts` had no room, else 0. */
static __always_inline int fsop_begin(void *starts, __u32 op, int fd, __s64 pos, __u32 tgid,
				      const volatile char *fstype)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct fsop_start s = {};
	char name[FSTYPE_LEN];

	if (tgid && (id >> 32) != tgid)
		return 0;
	if (op != FS_OPEN) {
		struct file *file = file_of_fd(fd);

		if (!file)
			return 0;
		file_fstype(file, name);
		if (!fstype_is(name, fstype))
			return 0;
		s.file = file;
		s.offset = pos >= 0 ? pos : BPF_CORE_READ(file, f_pos);
	}
	s.op = op;
	s.ts = bpf_ktime_get_ns();
	return bpf_map_update_elem(starts, &tid, &s, BPF_ANY) ? -1 : 0;
}

/* The thread's operation that returned `ret`, with its filesystem type in name[] and its
 * duration in *ns, its entry deleted from `starts`; false when none was kept, or an open
 * failed or opened a file of another type. */
static __always_inline bool fsop_end(void *starts, long ret, const volatile char *fstype,
				     struct fsop_start *out, char *name, __u64 *ns)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct fsop_start *s = bpf_map_lookup_elem(starts, &tid);

	if (!s)
		return false;
	*ns = bpf_ktime_get_ns() - s->ts;
	*out = *s;
	bpf_map_delete_elem(starts, &tid);
	if (out->op == FS_OPEN) {
		if (ret < 0)
			return false;
		out->file = file_of_fd(ret);
		if (!out->file)
			return false;
	}
	file_fstype(out->file, name);
	return out->op == FS_OPEN ? fstype_is(name, fstype) : true;
}

#define FSOP_ENTER_(tool, sc, op, fdarg, posarg)                                                  \
	SEC("tracepoint/syscalls/sys_enter_" #sc)                                                 \
	int tool##_enter_##sc(struct trace_event_raw_sys_enter *ctx)                              \
	{                                                                                         \
		return on_enter(op, (fdarg) < 0 ? -1 : (int)ctx->args[(fdarg) < 0 ? 0 : (fdarg)], \
				(posarg) < 0 ? -1 : (__s64)ctx->args[(posarg) < 0 ? 0 : (posarg)]); \
	}                                                                                         \
	SEC("tracepoint/syscalls/sys_exit_" #sc)                                                  \
	int tool##_exit_##sc(struct trace_event_raw_sys_exit *ctx)                                \
	{                                                                                         \
		return on_exit(ctx, ctx->ret);                                                    \
	}

/* The syscalls and their arguments: (fd's index, offset's index; -1: none). */
#define FSOP_PROGRAMS(tool)                                  \
	FSOP_ENTER_(tool, read, FS_READ, 0, -1)              \
	FSOP_ENTER_(tool, pread64, FS_READ, 0, 3)            \
	FSOP_ENTER_(tool, readv, FS_READ, 0, -1)             \
	FSOP_ENTER_(tool, preadv, FS_READ, 0, 3)             \
	FSOP_ENTER_(tool, preadv2, FS_READ, 0, 3)            \
	FSOP_ENTER_(tool, write, FS_WRITE, 0, -1)            \
	FSOP_ENTER_(tool, pwrite64, FS_WRITE, 0, 3)          \
	FSOP_ENTER_(tool, writev, FS_WRITE, 0, -1)           \
	FSOP_ENTER_(tool, pwritev, FS_WRITE, 0, 3)           \
	FSOP_ENTER_(tool, pwritev2, FS_WRITE, 0, 3)          \
	FSOP_ENTER_(tool, open, FS_OPEN, -1, -1)             \
	FSOP_ENTER_(tool, openat, FS_OPEN, -1, -1)           \
	FSOP_ENTER_(tool, openat2, FS_OPEN, -1, -1)          \
	FSOP_ENTER_(tool, creat, FS_OPEN, -1, -1)            \
	FSOP_ENTER_(tool, fsync, FS_FSYNC, 0, -1)            \
	FSOP_ENTER_(tool, fdatasync, FS_FSYNC, 0, -1)

#endif
