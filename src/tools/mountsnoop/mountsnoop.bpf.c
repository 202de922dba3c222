// SPDX-License-Identifier: GPL-2.0
/* tsnap mountsnoop: every mount(2) and umount2(2) call as it returns (bcc/libbpf-tools
 * mountsnoop). On the syscall's entry tracepoint the process filter runs and the
 * arguments' user addresses, the flags and the time are kept in the thread's entry of
 * `starts`; on its exit the strings are copied from user memory, the mount namespace is
 * read from the task, and the record goes to the ring buffer. Records the ring cannot
 * take, and calls `starts` had no room for, are counted in `lost`. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define FS_LEN 32
#define PATH_LEN 4096
#define DATA_LEN 512

/* The layouts user space shares (mountsnoop-records.ts declares them). */
struct mountsnoop_config {
	__u32 tgid;		/* only this process, 0 = every process */
};

struct mountsnoop_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at the call's return */
	__u64 delta_ns;		/* the call's latency */
	__u64 flags;
	__u32 pid;
	__u32 tid;
	__u32 mnt_ns;		/* the caller's mount namespace (its inode number) */
	__s32 ret;		/* 0 or -errno */
	__u8 op;		/* 0 mount, 1 umount */
	__u8 pad[3];
	char comm[16];
	char fs[FS_LEN];
	char src[PATH_LEN];
	char dest[PATH_LEN];
	char data[DATA_LEN];
};

struct mount_start {
	__u64 ts;
	__u64 flags;
	const char *src;
	const char *dest;
	const char *fs;
	const char *data;
	__u8 op;
};

const volatile struct mountsnoop_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct mount_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 2);

#define LOST_RING 0	/* calls not reported: the ring buffer was full */
#define LOST_START 1	/* calls not followed: `starts` was full */

static __always_inline int on_enter(const char *src, const char *dest, const char *fs, __u64 flags,
				    const char *data, __u8 op)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct mount_start s = {};

	if (cfg.tgid && (id >> 32) != cfg.tgid)
		return 0;
	s.ts = bpf_ktime_get_ns();
	s.flags = flags;
	s.src = src;
	s.dest = dest;
	s.fs = fs;
	s.data = data;
	s.op = op;
	if (bpf_map_update_elem(&starts, &tid, &s, BPF_ANY))
		count_in(&lost, LOST_START);
	return 0;
}

/* A user string, or "" for a NULL pointer or one that cannot be read. */
static __always_inline void copy_str(char *dst, __u32 size, const char *src)
{
	if (!src || bpf_probe_read_user_str(dst, size, src) < 0)
		dst[0] = 0;
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct mount_start *s = bpf_map_lookup_elem(&starts, &tid);
	struct task_struct *task;
	struct mountsnoop_event *e;

	if (!s)
		return 0;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, LOST_RING);
	if (!e)
		goto cleanup;
	task = (struct task_struct *)bpf_get_current_task();
	e->ts = bpf_ktime_get_ns();
	e->delta_ns = e->ts - s->ts;
	e->flags = s->flags;
	e->pid = id >> 32;
	e->tid = tid;
	e->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	e->ret = ret;
	e->op = s->op;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	copy_str(e->fs, sizeof(e->fs), s->fs);
	copy_str(e->src, sizeof(e->src), s->src);
	copy_str(e->dest, sizeof(e->dest), s->dest);
	copy_str(e->data, sizeof(e->data), s->data);
	bpf_ringbuf_submit(e, 0);
cleanup:
	bpf_map_delete_elem(&starts, &tid);
	return 0;
}

/* mount(source, target, filesystemtype, mountflags, data) */
SEC("tracepoint/syscalls/sys_enter_mount")
int mountsnoop_enter_mount(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((const char *)ctx->args[0], (const char *)ctx->args[1], (const char *)ctx->args[2],
			ctx->args[3], (const char *)ctx->args[4], 0);
}

SEC("tracepoint/syscalls/sys_exit_mount")
int mountsnoop_exit_mount(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

/* umount2(target, flags): the tracepoint is named after the kernel's sys_umount */
SEC("tracepoint/syscalls/sys_enter_umount")
int mountsnoop_enter_umount(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(0, (const char *)ctx->args[0], 0, ctx->args[1], 0, 1);
}

SEC("tracepoint/syscalls/sys_exit_umount")
int mountsnoop_exit_umount(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
