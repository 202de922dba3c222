// SPDX-License-Identifier: GPL-2.0
/* tsnap sigsnoop and killsnoop: signals as they are sent (bcc/libbpf-tools sigsnoop; its
 * -k mode is killsnoop). Two program sets, user space loads one:
 *   sigsnoop_generate on signal:signal_generate: every signal the kernel generates (by
 *     kill(2), by a fault, SIGCHLD at an exit, a timer...), in the sender's context, with
 *     the tracepoint's errno as the result;
 *   sigsnoop_{enter,exit}_{kill,tkill,tgkill}: the kill-family syscalls only; the entry
 *     keeps the target and signal in the thread's entry of `starts`, the exit sends the
 *     record with the syscall's return value.
 * Filters (sender process, signal set, failures only) run in the kernel. Records the ring
 * cannot take, and calls `starts` had no room for, are counted in `lost`. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (sigsnoop-records.ts declares them). */
struct sigsnoop_config {
	__u64 sig_mask;		/* bit s-1 set: signal s is traced; 0 = every signal */
	__u32 tgid;		/* only this sending process, 0 = every process */
	__u8 failed;		/* only failures (a non-zero result) */
	__u8 pad[3];
};

struct sigsnoop_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns: the signal's generation, or the call's return */
	__u32 pid;		/* the sender's process */
	__u32 tid;		/* the sender's thread */
	__s32 tpid;		/* the target (a thread id for tkill/tgkill and signal_generate) */
	__s32 sig;
	__s32 ret;		/* the syscall's return, or signal_generate's errno */
	__u8 syscall;		/* 0 signal_generate, 1 kill, 2 tkill, 3 tgkill */
	__u8 pad[3];
	char comm[16];		/* the sender's name */
};

struct sig_start {
	__s32 tpid;
	__s32 sig;
	__u8 syscall;
};

const volatile struct sigsnoop_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct sig_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 2);

#define LOST_RING 0	/* signals not reported: the ring buffer was full */
#define LOST_START 1	/* kill calls not followed: `starts` was full */

static __always_inline bool wanted(__u32 tgid, int sig)
{
	if (cfg.tgid && tgid != cfg.tgid)
		return false;
	if (cfg.sig_mask && (sig < 1 || sig > 64 || !(cfg.sig_mask & (1ULL << (sig - 1)))))
		return false;
	return true;
}

static __always_inline void emit(__u64 id, int tpid, int sig, int ret, __u8 syscall)
{
	struct sigsnoop_event *e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, LOST_RING);

	if (!e)
		return;
	e->ts = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->tpid = tpid;
	e->sig = sig;
	e->ret = ret;
	e->syscall = syscall;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

SEC("tracepoint/signal/signal_generate")
int sigsnoop_generate(struct trace_event_raw_signal_generate *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	int sig = ctx->sig, ret = ctx->errno;

	if (cfg.failed && ret == 0)
		return 0;
	if (!wanted(id >> 32, sig))
		return 0;
	emit(id, ctx->pid, sig, ret, 0);
	return 0;
}

static __always_inline int on_enter(int tpid, int sig, __u8 syscall)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct sig_start s = {};

	if (!wanted(id >> 32, sig))
		return 0;
	s.tpid = tpid;
	s.sig = sig;
	s.syscall = syscall;
	if (bpf_map_update_elem(&starts, &tid, &s, BPF_ANY))
		count_in(&lost, LOST_START);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct sig_start *s = bpf_map_lookup_elem(&starts, &tid);

	if (!s)
		return 0;
	if (!cfg.failed || ret < 0)
		emit(id, s->tpid, s->sig, ret, s->syscall);
	bpf_map_delete_elem(&starts, &tid);
	return 0;
}

/* kill(pid, sig) */
SEC("tracepoint/syscalls/sys_enter_kill")
int sigsnoop_enter_kill(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((int)ctx->args[0], (int)ctx->args[1], 1);
}

SEC("tracepoint/syscalls/sys_exit_kill")
int sigsnoop_exit_kill(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

/* tkill(tid, sig) */
SEC("tracepoint/syscalls/sys_enter_tkill")
int sigsnoop_enter_tkill(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((int)ctx->args[0], (int)ctx->args[1], 2);
}

SEC("tracepoint/syscalls/sys_exit_tkill")
int sigsnoop_exit_tkill(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

/* tgkill(tgid, tid, sig): the target shown is the thread, as libbpf-tools shows it */
SEC("tracepoint/syscalls/sys_enter_tgkill")
int sigsnoop_enter_tgkill(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((int)ctx->args[1], (int)ctx->args[2], 3);
}

SEC("tracepoint/syscalls/sys_exit_tgkill")
int sigsnoop_exit_tgkill(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
