// SPDX-License-Identifier: GPL-2.0
/* tsnap exitsnoop: every process (or, with threaded, thread) exit, with its age and exit
 * code or fatal signal (bcc/libbpf-tools exitsnoop). On sched:sched_process_exit, in the
 * exiting task, the filters run (process, main thread only, failures only, cgroup) and
 * the record goes to the ring buffer; records it cannot take are counted in `lost`. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (exitsnoop-records.ts declares them). */
struct exitsnoop_config {
	__u32 tgid;		/* only this process, 0 = every process */
	__u8 threaded;		/* every thread's exit, not only the main thread's */
	__u8 failed;		/* only exits with a non-zero code or a signal */
	__u8 filter_cg;		/* only tasks under the cgroup in `cgroup_map` */
	__u8 pad;
};

struct exitsnoop_event {
	__u64 start_ns;		/* the task's start (CLOCK_MONOTONIC ns: task->start_time) */
	__u64 exit_ns;		/* CLOCK_MONOTONIC ns at the exit */
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 exit_code;	/* the task's exit_code: code << 8 | signal (| 0x80 core dumped) */
	char comm[16];
};

const volatile struct exitsnoop_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

CGROUP_FILTER_MAP(cgroup_map);

SEC("tracepoint/sched/sched_process_exit")
int exitsnoop_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, tid = (__u32)id;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct exitsnoop_event *e;
	__u32 code;

	if (cfg.tgid && pid != cfg.tgid)
		return 0;
	if (!cfg.threaded && pid != tid)
		return 0;
	code = BPF_CORE_READ(task, exit_code);
	if (cfg.failed && code == 0)
		return 0;
	if (cfg.filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return 0;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	if (!e)
		return 0;
	e->start_ns = BPF_CORE_READ(task, start_time);
	e->exit_ns = bpf_ktime_get_ns();
	e->pid = pid;
	e->tid = tid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->exit_code = code;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
