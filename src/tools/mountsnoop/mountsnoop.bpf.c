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
#include "lib/syscall-pair.bpf.h"

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

/* starts (thread → struct mount_start), events (the ring), lost (lib/syscall-pair.bpf.h). */
SYSCALL_PAIR_MAPS(struct mount_start, 1 << 20);

static __always_inline int on_enter(const char *src, const char *dest, const char *fs, __u64 flags,
				    const char *data, __u8 op)
{
	struct mount_start s = {};

	if (cfg.tgid && (bpf_get_current_pid_tgid() >> 32) != cfg.tgid)
		return 0;
	s.ts = bpf_ktime_get_ns();
	s.flags = flags;
	s.src = src;
	s.dest = dest;
	s.fs = fs;
	s.data = data;
	s.op = op;
	pair_begin(&starts, &s, &lost);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u32 tid;
	struct mount_start *s = pair_start(&starts, &tid);
	struct task_struct *task;
	struct mountsnoop_event *e;

	if (!s)
		return 0;
	e = pair_reserve(&events, sizeof(*e), &lost);
	if (!e)
		goto cleanup;
	task = (struct task_struct *)bpf_get_current_task();
	e->ts = bpf_ktime_get_ns();
	e->delta_ns = e->ts - s->ts;
	e->flags = s->flags;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->tid = tid;
	e->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	e->ret = ret;
	e->op = s->op;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	copy_user_str(e->fs, sizeof(e->fs), s->fs);
	copy_user_str(e->src, sizeof(e->src), s->src);
	copy_user_str(e->dest, sizeof(e->dest), s->dest);
	copy_user_str(e->data, sizeof(e->data), s->data);
	bpf_ringbuf_submit(e, 0);
cleanup:
	pair_end(&starts, tid);
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
