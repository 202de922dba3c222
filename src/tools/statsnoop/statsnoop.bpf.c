// SPDX-License-Identifier: GPL-2.0
/* tsnap statsnoop: every stat-family call that names a path (stat, lstat, newfstatat,
 * statx, statfs) as it returns (bcc/libbpf-tools statsnoop). On the syscall's entry
 * tracepoint the process filter runs and the path's user address is kept in the thread's
 * entry of `starts`; on its exit the path is copied from user memory (the kernel has read
 * it by then, so its page is in memory) and the record goes to the ring buffer, or is
 * dropped when only failures are asked for and this call succeeded. Records the ring
 * cannot take, and calls `starts` had no room for, are counted in `lost`. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/syscall-pair.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define PATH_MAX_COPY 256

/* The layouts user space shares (statsnoop-records.ts declares them). */
struct statsnoop_config {
	__u32 tgid;		/* only this process, 0 = every process */
	__u8 failed;		/* only calls that failed */
	__u8 pad[3];
};

struct statsnoop_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at the call's return */
	__u32 pid;
	__u32 tid;
	__s32 ret;		/* 0 or -errno */
	__u8 syscall;		/* index in statsnoop-records.ts SYSCALLS */
	__u8 pad[3];
	char comm[16];
	char path[PATH_MAX_COPY];
};

struct stat_start {
	const char *path;
	__u8 syscall;
};

const volatile struct statsnoop_config cfg = {};

/* starts (thread → struct stat_start), events (the ring), lost (lib/syscall-pair.bpf.h). */
SYSCALL_PAIR_MAPS(struct stat_start, 4 << 20);

static __always_inline int on_enter(const char *path, __u8 syscall)
{
	struct stat_start s = {};

	if (!path)
		return 0;
	if (cfg.tgid && (bpf_get_current_pid_tgid() >> 32) != cfg.tgid)
		return 0;
	s.path = path;
	s.syscall = syscall;
	pair_begin(&starts, &s, &lost);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u32 tid;
	struct stat_start *s = pair_start(&starts, &tid);
	struct statsnoop_event *e;

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
	e->ret = ret;
	e->syscall = s->syscall;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	copy_user_str(e->path, sizeof(e->path), s->path);
	bpf_ringbuf_submit(e, 0);
cleanup:
	pair_end(&starts, tid);
	return 0;
}

/* The path is the first argument of statfs, stat, lstat; the second of newfstatat and
 * statx (after the directory fd). x86-64 has all five; arm64 has no stat or lstat (user
 * space leaves out what this kernel has no tracepoint for). */
#define STAT_SYSCALL(name, arg, idx)                                               \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                \
	int statsnoop_enter_##name(struct trace_event_raw_sys_enter *ctx)          \
	{                                                                          \
		return on_enter((const char *)ctx->args[arg], idx);                \
	}                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                 \
	int statsnoop_exit_##name(struct trace_event_raw_sys_exit *ctx)            \
	{                                                                          \
		return on_exit(ctx->ret);                                          \
	}

STAT_SYSCALL(statfs, 0, 0)
STAT_SYSCALL(newstat, 0, 1)
STAT_SYSCALL(newlstat, 0, 2)
STAT_SYSCALL(newfstatat, 1, 3)
STAT_SYSCALL(statx, 1, 4)
