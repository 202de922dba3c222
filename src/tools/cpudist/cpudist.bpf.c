// SPDX-License-Identifier: GPL-2.0
/* tsnap cpudist: on-CPU (or, with offcpu, off-CPU) time per scheduling interval as log2
 * histograms in the kernel (bcc/libbpf-tools cpudist). sched_switch keeps, per thread, the
 * time it went on the CPU (off it, with offcpu) in `start`; at its next switch the
 * interval is added to the histogram of its key in `hists` (one key, or per process, per
 * thread). As bcc's cpudist, every on-CPU interval counts, however it ended (libbpf-tools
 * v0.26 counts only those ended by a preemption). The idle task is not counted. The hook
 * is a tp_btf/raw_tp pair (lib/hooks.bpf.h): user space loads the one the kernel supports. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/hooks.bpf.h"
#include "lib/hist.bpf.h"
#include "lib/loghist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layout user space shares (cpudist-records.ts declares it). */
struct cpudist_config {
	__u32 tgid;		/* only this process, 0 = every process */
	__u8 per_process;	/* key: tgid */
	__u8 per_thread;	/* key: tid */
	__u8 offcpu;		/* time off the CPU, not on it */
	__u8 ms;		/* slots of milliseconds, not microseconds */
	__u8 filter_cg;		/* only while a task under the cgroup in `cgroup_map` runs */
	__u8 pad[3];
};

#define LOST_START 0	/* intervals not timed: `start` was full */
#define LOST_HIST 1	/* intervals not counted: `hists` was full */

const volatile struct cpudist_config cfg = {};

START_TIME_MAP(start);
LOG_HIST_MAP(hists, __u32);

COUNTER_ARRAY(lost, 2);

CGROUP_FILTER_MAP(cgroup_map);

static __always_inline void interval_start(struct task_struct *t, __u64 ts)
{
	__u32 tid = BPF_CORE_READ(t, pid);

	if (!tid)
		return;
	if (cfg.tgid && BPF_CORE_READ(t, tgid) != cfg.tgid)
		return;
	if (bpf_map_update_elem(&start, &tid, &ts, BPF_ANY))
		count_in(&lost, LOST_START);
}

static __always_inline void interval_end(struct task_struct *t, __u64 ts)
{
	__u32 tid = BPF_CORE_READ(t, pid), key;
	struct log_hist *h;
	__u64 *tsp, ns;

	if (!tid)
		return;
	tsp = bpf_map_lookup_elem(&start, &tid);
	if (!tsp)
		return;
	ns = ts - *tsp;
	bpf_map_delete_elem(&start, &tid);
	if ((__s64)ns < 0)
		return;
	if (cfg.per_process)
		key = BPF_CORE_READ(t, tgid);
	else if (cfg.per_thread)
		key = tid;
	else
		key = (__u32)-1;
	h = log_hist_get(&hists, &key, t->comm);
	if (h)
		log_hist_add(h, cfg.ms ? ns / 1000000 : ns / 1000, ns);
	else
		count_in(&lost, LOST_HIST);
}

TP_BTF_OR_RAW_TP(sched_switch, cpudist_switch, bool preempt, struct task_struct *prev,
		 struct task_struct *next)
{
	__u64 ts = bpf_ktime_get_ns();

	if (cfg.filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return 0;
	if (cfg.offcpu) {
		interval_start(prev, ts);
		interval_end(next, ts);
	} else {
		interval_end(prev, ts);
		interval_start(next, ts);
	}
	return 0;
}
