// SPDX-License-Identifier: GPL-2.0
/* tsnap runqlen: the run-queue length of each CPU, sampled (bcc/libbpf-tools runqlen). A
 * perf_event program on a cpu-clock event of every CPU reads, at each sample, how many
 * tasks the CPU's run queue holds (rq->nr_running, all scheduling classes: the struct rq
 * is reached from the current task's CFS run queue, as libbpf-tools' "host" mode does;
 * the per-CPU `runqueues` symbol is not in this kernel's kallsyms), less the one running, and counts it in a linear histogram of that CPU in
 * `hists` (slot = tasks waiting, capped at the last slot). libbpf-tools reads
 * cfs_rq.nr_running, a field 6.18 renamed, and fails to load there. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define RUNQLEN_SLOTS 32

/* The value user space reads (runqlen-records.ts declares it). */
struct runqlen_hist {
	__u32 slots[RUNQLEN_SLOTS];
};

/* One histogram per CPU (user space sets max_entries to the possible CPUs). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct runqlen_hist);
} hists SEC(".maps");

SEC("perf_event")
int runqlen_sample(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 cpu = bpf_get_smp_processor_id();
	struct runqlen_hist *h = bpf_map_lookup_elem(&hists, &cpu);
	__u32 len = BPF_CORE_READ(task, se.cfs_rq, rq, nr_running);

	if (!h)
		return 0;
	/* the running task does not wait: 0 = idle or one task running */
	if (len > 0)
		len--;
	if (len >= RUNQLEN_SLOTS)
		len = RUNQLEN_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[len], 1);
	return 0;
}
