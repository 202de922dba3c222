// SPDX-License-Identifier: GPL-2.0
/* tsnap runqslower: every run-queue wait longer than a threshold, as it ends (bcc/libbpf-tools
 * runqslower). sched_wakeup and sched_wakeup_new (a task made runnable) and sched_switch (a
 * task preempted while still runnable) note the time it was queued (lib/runq.bpf.h); when
 * sched_switch puts a task on a CPU after waiting at least cfg.min_ns, one record goes to
 * the `events` ring with the task that ran before it. Each hook is a tp_btf/raw_tp pair
 * (lib/hooks.bpf.h): user space loads the pair the kernel supports. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/hooks.bpf.h"
#include "lib/hist.bpf.h"
#include "lib/loghist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/task.bpf.h"
#include "lib/runq.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (runqslower-records.ts declares them). */
struct runqslower_config {
	__u64 min_ns;		/* only waits at least this long */
	__u32 tgid;		/* only this process, 0 = every process */
	__u32 tid;		/* only this thread, 0 = every thread */
};

struct runqslower_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns when it got the CPU */
	__u64 wait_ns;
	__u32 pid;
	__u32 tid;
	__u32 prev_tid;		/* the task that left the CPU for it */
	__u32 cpu;
	char comm[16];
	char prev_comm[16];
};

#define LOST_RING 0	/* waits not reported: the ring buffer was full */
#define LOST_START 1	/* wakeups not timed: `start` was full */

const volatile struct runqslower_config cfg = {};

START_TIME_MAP(start);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 2);

static __always_inline void enqueue(struct task_struct *p)
{
	if (cfg.tid && BPF_CORE_READ(p, pid) != cfg.tid)
		return;
	if (!runq_enqueue(&start, p, cfg.tgid))
		count_in(&lost, LOST_START);
}

TP_BTF_OR_RAW_TP(sched_wakeup, runqslower_wakeup, struct task_struct *p)
{
	enqueue(p);
	return 0;
}

TP_BTF_OR_RAW_TP(sched_wakeup_new, runqslower_wakeup_new, struct task_struct *p)
{
	enqueue(p);
	return 0;
}

TP_BTF_OR_RAW_TP(sched_switch, runqslower_switch, bool preempt, struct task_struct *prev,
		 struct task_struct *next)
{
	struct runqslower_event *e;
	__s64 ns;

	if (runq_preempted(prev))
		enqueue(prev);
	ns = runq_wait_ns(&start, next);
	if (ns < 0 || (__u64)ns < cfg.min_ns)
		return 0;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, LOST_RING);
	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->wait_ns = ns;
	e->pid = BPF_CORE_READ(next, tgid);
	e->tid = BPF_CORE_READ(next, pid);
	e->prev_tid = BPF_CORE_READ(prev, pid);
	e->cpu = bpf_get_smp_processor_id();
	BPF_CORE_READ_STR_INTO(&e->comm, next, comm);
	BPF_CORE_READ_STR_INTO(&e->prev_comm, prev, comm);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
