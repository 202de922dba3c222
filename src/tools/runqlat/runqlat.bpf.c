// SPDX-License-Identifier: GPL-2.0
/* tsnap runqlat: run-queue latency as log2 histograms in the kernel (bcc/libbpf-tools
 * runqlat). sched_wakeup and sched_wakeup_new (a task made runnable) and sched_switch (a
 * task preempted while still runnable) keep the time it was queued in `start`; when
 * sched_switch puts a task on a CPU, the time since is added to the histogram of its key
 * in `hists` (one key, or per process, per thread, per pid namespace). Each hook is a
 * tp_btf/raw_tp pair (lib/hooks.bpf.h): user space loads the pair the kernel supports. */
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

/* The layouts user space shares (runqlat-records.ts declares them). */
struct runqlat_config {
	__u32 tgid;		/* only this process, 0 = every process */
	__u8 per_process;	/* key: tgid */
	__u8 per_thread;	/* key: tid */
	__u8 per_pidns;		/* key: pid namespace inode */
	__u8 ms;		/* slots of milliseconds, not microseconds */
	__u8 filter_cg;		/* only tasks under the cgroup in `cgroup_map` (as libbpf-tools: the current task) */
	__u8 pad[3];
};

#define LOST_START 0	/* wakeups not timed: `start` was full */
#define LOST_HIST 1	/* latencies not counted: `hists` was full */

const volatile struct runqlat_config cfg = {};

START_TIME_MAP(start);
LOG_HIST_MAP(hists, __u32);

COUNTER_ARRAY(lost, 2);

CGROUP_FILTER_MAP(cgroup_map);

static __always_inline int skip_cgroup(void)
{
	return cfg.filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0);
}

static __always_inline void enqueue(struct task_struct *p)
{
	if (!runq_enqueue(&start, p, cfg.tgid))
		count_in(&lost, LOST_START);
}

TP_BTF_OR_RAW_TP(sched_wakeup, runqlat_wakeup, struct task_struct *p)
{
	if (!skip_cgroup())
		enqueue(p);
	return 0;
}

TP_BTF_OR_RAW_TP(sched_wakeup_new, runqlat_wakeup_new, struct task_struct *p)
{
	if (!skip_cgroup())
		enqueue(p);
	return 0;
}

TP_BTF_OR_RAW_TP(sched_switch, runqlat_switch, bool preempt, struct task_struct *prev,
		 struct task_struct *next)
{
	struct log_hist *h;
	__s64 ns;
	__u32 key;

	if (skip_cgroup())
		return 0;
	if (runq_preempted(prev))
		enqueue(prev);
	ns = runq_wait_ns(&start, next);
	if (ns < 0)
		return 0;
	if (cfg.per_process)
		key = BPF_CORE_READ(next, tgid);
	else if (cfg.per_thread)
		key = BPF_CORE_READ(next, pid);
	else if (cfg.per_pidns)
		key = task_pidns_core(next);
	else
		key = (__u32)-1;
	h = log_hist_get(&hists, &key, next->comm);
	if (h)
		log_hist_add(h, cfg.ms ? ns / 1000000 : ns / 1000, ns);
	else
		count_in(&lost, LOST_HIST);
	return 0;
}
