// SPDX-License-Identifier: GPL-2.0
/* tsnap execsnoop: every execve as it returns (bcc/libbpf-tools execsnoop). On
 * syscalls:sys_enter_execve the path and up to cfg.max_args arguments are copied from
 * user memory into the thread's entry in `execs`; on sys_exit_execve the return value and
 * the (new) comm are added and the record goes to the ring buffer, or is dropped when the
 * exec failed and failures are not asked for. Records the ring cannot take are counted
 * in `lost`. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define ARGSIZE 128
#define TOTAL_MAX_ARGS 60
#define FULL_MAX_ARGS_ARR (TOTAL_MAX_ARGS * ARGSIZE)
#define LAST_ARG (FULL_MAX_ARGS_ARR - ARGSIZE)

/* The layouts user space shares (execsnoop-records.ts declares them). */
struct execsnoop_config {
	__u32 uid;		/* only this uid, when filter_uid */
	__u32 max_args;		/* strings copied, the path included (as libbpf-tools), at most TOTAL_MAX_ARGS */
	__u8 filter_uid;
	__u8 failed;		/* also execs that failed */
	__u8 filter_cg;		/* only tasks under the cgroup in `cgroup_map` */
	__u8 pad;
};

struct execsnoop_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at the syscall's return */
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__s32 retval;
	__u32 args_count;
	__u32 args_size;	/* bytes of args used: NUL-terminated strings */
	char comm[16];
	char args[FULL_MAX_ARGS_ARR];
};

#define EVENT_HEAD (sizeof(struct execsnoop_event) - FULL_MAX_ARGS_ARR)

const volatile struct execsnoop_config cfg = { .max_args = 20 };

/* Not preallocated: 10240 entries of ~7.7 KB would be 79 MB allocated and zeroed at
 * load (~200 ms of start-up); an entry lives only from an exec's entry to its exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct execsnoop_event);
} execs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 2);

#define LOST_RING 0	/* execs not reported: the ring buffer was full */
#define LOST_START 1	/* execs not followed: `execs` was full (or no memory for an entry) */

CGROUP_FILTER_MAP(cgroup_map);

/* One zeroed event to create `execs` entries from (too big for the stack; a const
 * would share .rodata with cfg). Never written. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct execsnoop_event);
} empty SEC(".maps");

static __always_inline int on_enter(const char *filename, const char *const *argv)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, uid = (__u32)bpf_get_current_uid_gid();
	struct task_struct *task;
	struct execsnoop_event *e;
	const char *arg;
	__u32 zero = 0;
	void *empty_event;
	int n;

	if (cfg.filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return 0;
	if (cfg.filter_uid && uid != cfg.uid)
		return 0;
	empty_event = bpf_map_lookup_elem(&empty, &zero);
	if (!empty_event)
		return 0;
	if (bpf_map_update_elem(&execs, &tid, empty_event, BPF_NOEXIST)) {
		count_in(&lost, LOST_START);
		return 0;
	}
	e = bpf_map_lookup_elem(&execs, &tid);
	if (!e)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	e->pid = id >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = uid;
	n = bpf_probe_read_user_str(e->args, ARGSIZE, filename);
	if (n < 0)
		return 0;
	e->args_size = n;
	e->args_count = 1;
	for (int i = 1; i < TOTAL_MAX_ARGS; i++) {
		if (i >= cfg.max_args)
			break;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			return 0;
		if (e->args_size > LAST_ARG)
			return 0;
		n = bpf_probe_read_user_str(&e->args[e->args_size], ARGSIZE, arg);
		if (n < 0)
			return 0;
		e->args_count++;
		e->args_size += n;
	}
	/* more arguments than shown: one more count says so ("..." in user space) */
	if (!bpf_probe_read_user(&arg, sizeof(arg), &argv[cfg.max_args]) && arg)
		e->args_count++;
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct execsnoop_event *e = bpf_map_lookup_elem(&execs, &tid);
	__u32 size;

	if (!e)
		return 0;
	if (ret < 0 && !cfg.failed)
		goto cleanup;
	e->retval = ret;
	e->ts = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	size = EVENT_HEAD + e->args_size;
	if (size > sizeof(*e))
		size = sizeof(*e);
	if (bpf_ringbuf_output(&events, e, size, 0))
		count_in(&lost, LOST_RING);
cleanup:
	bpf_map_delete_elem(&execs, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int execsnoop_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((const char *)ctx->args[0], (const char *const *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int execsnoop_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
