// SPDX-License-Identifier: GPL-2.0
/* tsnap biolatency: block I/O latency as log2 histograms in the kernel (bcc/libbpf-tools
 * biolatency). block_rq_issue (with `queued`, block_rq_insert) keeps each request's start
 * time in `start`; block_rq_complete adds the time since to the histogram of its key in
 * `hists` (one key, or per disk, per set of flags). Each hook is a tp_btf/raw_tp pair
 * (lib/hooks.bpf.h): user space loads the pair the kernel supports. The request's disk
 * and flags come from lib/blk.bpf.h. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/blk.bpf.h"
#include "lib/hooks.bpf.h"
#include "lib/hist.bpf.h"
#include "lib/loghist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (biolatency-records.ts declares them). */
struct biolatency_config {
	__u32 dev;	/* only this disk (MKDEV(major, minor) as the kernel's dev_t), 0 = every disk */
	__u8 queued;	/* from block_rq_insert, not block_rq_issue */
	__u8 per_disk;
	__u8 per_flag;
	__u8 ms;	/* slots of milliseconds, not microseconds */
	__u8 filter_cg;	/* only I/O started by tasks under the cgroup in `cgroup_map` */
	__u8 pad[3];
};

struct biolatency_key {
	__u32 dev;
	__u32 flags;	/* tsnap op (low 8 bits) | tsnap flag bits << 8 */
};

#define LOST_START 0	/* requests not timed: `start` was full */
#define LOST_HIST 1	/* completions not counted: `hists` was full */

const volatile struct biolatency_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct biolatency_key);
	__type(value, struct log_hist);
} hists SEC(".maps");

COUNTER_ARRAY(lost, 2);

CGROUP_FILTER_MAP(cgroup_map);

static __always_inline void rq_start(struct request *rq, int issue)
{
	__u64 key = (__u64)rq, ts;

	if (cfg.filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return;
	/* With -Q, a queue with an I/O scheduler is timed from insert; one without, from issue. */
	if (issue && cfg.queued && BPF_CORE_READ(rq, q, elevator))
		return;
	if (cfg.dev && rq_dev(rq) != cfg.dev)
		return;
	ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&start, &key, &ts, BPF_ANY))
		count_in(&lost, LOST_START);
}

TP_BTF_OR_RAW_TP(block_rq_insert, biolatency_insert, struct request *rq)
{
	if (cfg.queued)
		rq_start(rq, 0);
	return 0;
}

TP_BTF_OR_RAW_TP(block_rq_issue, biolatency_issue, struct request *rq)
{
	rq_start(rq, 1);
	return 0;
}

TP_BTF_OR_RAW_TP(block_rq_complete, biolatency_complete, struct request *rq, blk_status_t error,
		 unsigned int nr_bytes)
{
	__u64 key = (__u64)rq, *ts, ns;
	struct biolatency_key hk = {};
	struct log_hist *h;

	ts = bpf_map_lookup_elem(&start, &key);
	if (!ts)
		return 0;
	ns = bpf_ktime_get_ns() - *ts;
	if ((__s64)ns >= 0) {
		if (cfg.per_disk)
			hk.dev = rq_dev(rq);
		if (cfg.per_flag)
			hk.flags = rq_flags(rq);
		h = log_hist_get(&hists, &hk, 0);
		if (h)
			log_hist_add(h, cfg.ms ? ns / 1000000 : ns / 1000, ns);
		else
			count_in(&lost, LOST_HIST);
	}
	bpf_map_delete_elem(&start, &key);
	return 0;
}
