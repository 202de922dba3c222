/* SPDX-License-Identifier: GPL-2.0 */
/* Run-queue waits from the sched tracepoints (helpers only: the includer owns its map of
 * queue times, a START_TIME_MAP of tid → ns, lib/loghist.bpf.h):
 *
 *   runq_enqueue(&start, p, tgid)    p was made runnable (sched_wakeup, sched_wakeup_new)
 *                                    or left its CPU still runnable (sched_switch's prev,
 *                                    runq_preempted(prev)); tgid != 0: only that process.
 *                                    False when the map was full.
 *   runq_wait_ns(&start, next)       at sched_switch: how long next waited (ns), its entry
 *                                    deleted; -1 when it was not queued (or filtered out).
 * Include lib/task.bpf.h first. */
#ifndef TSNAP_LIB_RUNQ_BPF_H
#define TSNAP_LIB_RUNQ_BPF_H

static __always_inline bool runq_enqueue(void *start, struct task_struct *p, __u32 tgid)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	__u64 ts;

	if (!tid)
		return true; /* the idle task */
	if (tgid && BPF_CORE_READ(p, tgid) != tgid)
		return true;
	ts = bpf_ktime_get_ns();
	return bpf_map_update_elem(start, &tid, &ts, BPF_ANY) == 0;
}

/* A task switched out while TASK_RUNNING was preempted: it goes back on a run queue. */
static __always_inline bool runq_preempted(struct task_struct *prev)
{
	return task_state_core(prev) == 0;
}

static __always_inline __s64 runq_wait_ns(void *start, struct task_struct *next)
{
	__u32 tid = BPF_CORE_READ(next, pid);
	__u64 *ts = bpf_map_lookup_elem(start, &tid);
	__s64 ns;

	if (!ts)
		return -1;
	ns = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(start, &tid);
	return ns;
}

#endif
