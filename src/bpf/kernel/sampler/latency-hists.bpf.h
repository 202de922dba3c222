/* SPDX-License-Identifier: GPL-2.0 */
/* Part of sampler.bpf.c (included from it only). Latency histograms over every completion (not only what a sample saw), bucketed in the
 * kernel (hist.bpf.h): syscall latency per syscall number (an mmapable array user space
 * reads without a syscall), block I/O latency per device (issue → complete as biolatency,
 * insert → complete as biolatency -Q), and run-queue latency per process (runqlat -P:
 * wakeup or preemption → switch-in). All honour the sampler's pid filter (-p). User
 * space: src/sources/bpf/latency-hists.ts. Needs tracking.bpf.h first. */
#ifndef TSNAP_SAMPLER_LATENCY_HISTS_BPF_H
#define TSNAP_SAMPLER_LATENCY_HISTS_BPF_H

#include "lib/hist.bpf.h"
#include "lib/task.bpf.h"

/* Which histograms are on; its own read-only section so that the sampler's config layout
 * (records.ts) is untouched. Set by user space before load (latency-hists.ts). */
struct tsnap_hist_config {
	__u8 sc;
	__u8 io;
	__u8 rq;
	__u8 filter_pids;	/* only tgids in pid_filter (as the sampler's cfg.filter_pids) */
};
const volatile struct tsnap_hist_config hist_cfg SEC(".rodata.hist") = {};

struct sc_hist {
	__u32 b[HIST_BUCKETS];
};

/* Indexed by syscall number; mmapped read-only by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NR_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, struct sc_hist);
} sc_hist SEC(".maps");

struct io_hist {
	__u32 service[HIST_BUCKETS];	/* issue → complete */
	__u32 total[HIST_BUCKETS];	/* insert (or issue) → complete */
};

/* Keyed by the kernel dev_t (major << 20 | minor). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct io_hist);
} io_hist SEC(".maps");

struct rq_hist {
	char comm[16];			/* the process's (group leader's) name */
	__u32 b[HIST_BUCKETS];
};

/* Keyed by tgid; two of them, the kernel counting into rq_hist_<rq_epoch[0]>. User space
 * flips the epoch, waits until no program can still hold the old one (an RCU grace period:
 * membarrier(MEMBARRIER_CMD_GLOBAL)), then reads and deletes the old map: its entries are
 * the waits since the previous flip, of the processes that had any (no per-process state
 * kept across reads, no deltas to compute, a fork storm's dead processes gone each read). */
struct rq_hist_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct rq_hist);
};
struct rq_hist_map rq_hist_0 SEC(".maps");
struct rq_hist_map rq_hist_1 SEC(".maps");

/* [0]: which rq_hist_N the kernel counts into (0 or 1), written by user space only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} rq_epoch SEC(".maps");

/* When each thread became runnable (tid → ns); deleted when it gets a CPU. LRU, so that
 * threads that exit before they run cannot fill it and stop the histogram. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} rq_start SEC(".maps");

/* Zeroes to create hash entries from (larger than the stack allows). */
char hist_zero[sizeof(struct io_hist)];

static __always_inline int hist_pid_ok(__u32 tgid)
{
	return !hist_cfg.filter_pids || bpf_map_lookup_elem(&pid_filter, &tgid);
}

static __always_inline void hist_inc(__u32 *b, __u64 ns)
{
	__sync_fetch_and_add(&b[hist_bucket_ns(ns)], 1);
}

static __always_inline void *hist_entry(void *map, __u32 *key)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, hist_zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* sys_exit: one completed syscall of the current thread. */
static __always_inline void hist_syscall(__s32 nr, __u64 ns)
{
	__u32 key = nr;
	struct sc_hist *h;

	if (key >= NR_SYSCALL_SLOTS || !hist_pid_ok(bpf_get_current_pid_tgid() >> 32))
		return;
	h = bpf_map_lookup_elem(&sc_hist, &key);
	if (h)
		hist_inc(h->b, ns);
}

/* block_rq_complete: one completed request (its tracking entry). */
static __always_inline void hist_iorq(struct iorq_track *e, __u64 now)
{
	struct io_hist *h;
	__u32 dev = e->dev;

	if (!hist_pid_ok(e->insert_tgid))
		return;
	h = hist_entry(&io_hist, &dev);
	if (!h)
		return;
	if (e->issue_ns && now >= e->issue_ns)
		hist_inc(h->service, now - e->issue_ns);
	if (e->insert_ns && now >= e->insert_ns)
		hist_inc(h->total, now - e->insert_ns);
}

/* ---- run-queue latency (runqlat -P) ------------------------------------------------- */

static __always_inline void rq_enqueue(struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	__u64 ts;

	if (!tid || !hist_pid_ok(BPF_CORE_READ(p, tgid)))
		return;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&rq_start, &tid, &ts, BPF_ANY);
}

static __always_inline void rq_switch(struct task_struct *prev, struct task_struct *next)
{
	__u32 tid, tgid, zero = 0, *epoch;
	__u64 *tsp, now;
	struct rq_hist *h;

	if (task_state_core(prev) == 0) /* TASK_RUNNING: preempted, back in the queue */
		rq_enqueue(prev);
	tid = BPF_CORE_READ(next, pid);
	tsp = bpf_map_lookup_elem(&rq_start, &tid);
	if (!tsp)
		return;
	now = bpf_ktime_get_ns();
	tgid = BPF_CORE_READ(next, tgid);
	epoch = bpf_map_lookup_elem(&rq_epoch, &zero);
	if (epoch && *epoch) /* one call per map: each keeps a constant map pointer */
		h = hist_entry(&rq_hist_1, &tgid);
	else
		h = hist_entry(&rq_hist_0, &tgid);
	if (h) {
		if (!h->comm[0])
			bpf_probe_read_kernel_str(h->comm, sizeof(h->comm),
						  BPF_CORE_READ(next, group_leader, comm));
		if (now >= *tsp)
			hist_inc(h->b, now - *tsp);
	}
	bpf_map_delete_elem(&rq_start, &tid);
}

TP_BTF_OR_RAW_TP(sched_wakeup, sched_wakeup, struct task_struct *p)
{
	rq_enqueue(p);
	return 0;
}

TP_BTF_OR_RAW_TP(sched_wakeup_new, sched_wakeup_new, struct task_struct *p)
{
	rq_enqueue(p);
	return 0;
}

TP_BTF_OR_RAW_TP(sched_switch, sched_switch, bool preempt, struct task_struct *prev,
		 struct task_struct *next)
{
	rq_switch(prev, next);
	return 0;
}

#endif
