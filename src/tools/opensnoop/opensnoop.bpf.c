// SPDX-License-Identifier: GPL-2.0
/* tsnap opensnoop: every open(), openat() and openat2() as it returns (bcc/libbpf-tools
 * opensnoop). On the syscall's entry tracepoint the filters run (process, thread, uid,
 * cgroup, open flags) and the path's user address, flags and mode are kept in the
 * thread's entry of `starts`; on its exit the path is copied from user memory (by then
 * the kernel has read it, so its page is in memory) and the record goes to the ring
 * buffer, or is dropped when only failed opens are asked for and this one succeeded.
 * Records the ring cannot take, and opens `starts` had no room for, are counted in `lost`. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/syscall-pair.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define PATH_MAX_COPY 256

/* The layouts user space shares (opensnoop-records.ts declares them). */
struct opensnoop_config {
	__u32 tgid;		/* only this process, 0 = every process */
	__u32 tid;		/* only this thread, 0 = every thread */
	__u32 uid;		/* only this uid, when filter_uid */
	__u32 flags_mask;	/* only opens with one of these flags set, 0 = every open */
	__u8 filter_uid;
	__u8 failed;		/* only opens that failed */
	__u8 filter_cg;		/* only tasks under the cgroup in `cgroup_map` */
	__u8 pad;
};

struct opensnoop_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at the syscall's return */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__s32 ret;		/* the fd, or -errno */
	__u32 flags;
	__u32 mode;
	__u8 syscall;		/* 0 open, 1 openat, 2 openat2 */
	__u8 pad[3];
	char comm[16];
	char path[PATH_MAX_COPY];
};

struct open_start {
	const char *path;
	__u32 flags;
	__u32 mode;
	__u8 syscall;
};

const volatile struct opensnoop_config cfg = {};

/* starts (thread → struct open_start), events (the ring), lost (lib/syscall-pair.bpf.h). */
SYSCALL_PAIR_MAPS(struct open_start, 4 << 20);

CGROUP_FILTER_MAP(cgroup_map);

static __always_inline int on_enter(const char *path, __u32 flags, __u32 mode, __u8 syscall)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct open_start s = {};

	if (cfg.tgid && tgid != cfg.tgid)
		return 0;
	if (cfg.tid && tid != cfg.tid)
		return 0;
	if (cfg.filter_uid && (__u32)bpf_get_current_uid_gid() != cfg.uid)
		return 0;
	if (cfg.flags_mask && !(flags & cfg.flags_mask))
		return 0;
	if (cfg.filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return 0;
	s.path = path;
	s.flags = flags;
	s.mode = mode;
	s.syscall = syscall;
	pair_begin(&starts, &s, &lost);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u32 tid;
	struct open_start *s = pair_start(&starts, &tid);
	struct opensnoop_event *e;

	if (!s)
		return 0;
	if (cfg.failed && ret >= 0)
		goto cleanup;
	e = pair_reserve(&events, sizeof(*e), &lost);
	if (!e)
		goto cleanup;
	e->ts = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->tid = tid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = ret;
	e->flags = s->flags;
	e->mode = s->mode;
	e->syscall = s->syscall;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	copy_user_str(e->path, sizeof(e->path), s->path);
	bpf_ringbuf_submit(e, 0);
cleanup:
	pair_end(&starts, tid);
	return 0;
}

/* open(path, flags, mode): x86-64 has it, arm64 does not (user space leaves it out). */
SEC("tracepoint/syscalls/sys_enter_open")
int opensnoop_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((const char *)ctx->args[0], (__u32)ctx->args[1], (__u32)ctx->args[2], 0);
}

SEC("tracepoint/syscalls/sys_exit_open")
int opensnoop_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

/* openat(dirfd, path, flags, mode) */
SEC("tracepoint/syscalls/sys_enter_openat")
int opensnoop_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((const char *)ctx->args[1], (__u32)ctx->args[2], (__u32)ctx->args[3], 1);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int opensnoop_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

/* openat2(dirfd, path, struct open_how *how, size): flags and mode are in *how. */
SEC("tracepoint/syscalls/sys_enter_openat2")
int opensnoop_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return on_enter((const char *)ctx->args[1], (__u32)how.flags, (__u32)how.mode, 2);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int opensnoop_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
