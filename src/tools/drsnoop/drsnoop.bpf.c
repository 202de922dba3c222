// SPDX-License-Identifier: GPL-2.0
/* tsnap drsnoop: every direct reclaim, with its latency and the pages it reclaimed, as it
 * ends (bcc/libbpf-tools drsnoop). A task that allocates memory and finds too little
 * reclaims pages itself: system-wide (vmscan:mm_vmscan_direct_reclaim_begin/end, what
 * libbpf-tools traces) or, when its memory cgroup is at its limit, in that cgroup
 * (vmscan:mm_vmscan_memcg_reclaim_begin/end, which libbpf-tools does not trace). Begin
 * keeps the time per thread; end sends a record to the ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (drsnoop-records.ts declares them). */
struct drsnoop_config {
	__u32 tgid;	/* only this process, 0 = every process */
	__u32 tid;	/* only this thread, 0 = every thread */
};

struct drsnoop_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at the reclaim's end */
	__u64 delta_ns;
	__u64 nr_reclaimed;	/* pages */
	__u32 pid;
	__u32 tid;
	__u32 memcg;		/* 1: a memory cgroup's reclaim, 0: the system's */
	__u32 pad;
	char comm[16];
};

struct dr_start {
	__u64 ts;
	__u32 memcg;
	__u32 pad;
};

const volatile struct drsnoop_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct dr_start);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 2);

#define LOST_RING 0	/* reclaims not reported: the ring buffer was full */
#define LOST_START 1	/* reclaims not timed: `start` was full */

static __always_inline int on_begin(__u32 memcg)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct dr_start s = {};

	if (cfg.tgid && (id >> 32) != cfg.tgid)
		return 0;
	if (cfg.tid && tid != cfg.tid)
		return 0;
	s.ts = bpf_ktime_get_ns();
	s.memcg = memcg;
	if (bpf_map_update_elem(&start, &tid, &s, BPF_ANY))
		count_in(&lost, LOST_START);
	return 0;
}

static __always_inline int on_end(__u64 nr_reclaimed)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct dr_start *s = bpf_map_lookup_elem(&start, &tid);
	struct drsnoop_event *e;

	if (!s)
		return 0;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, LOST_RING);
	if (e) {
		e->ts = bpf_ktime_get_ns();
		e->delta_ns = e->ts - s->ts;
		e->nr_reclaimed = nr_reclaimed;
		e->pid = id >> 32;
		e->tid = tid;
		e->memcg = s->memcg;
		e->pad = 0;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

SEC("tracepoint/vmscan/mm_vmscan_direct_reclaim_begin")
int drsnoop_direct_begin(void *ctx)
{
	return on_begin(0);
}

SEC("tracepoint/vmscan/mm_vmscan_direct_reclaim_end")
int drsnoop_direct_end(struct trace_event_raw_mm_vmscan_direct_reclaim_end_template *ctx)
{
	return on_end(ctx->nr_reclaimed);
}

SEC("tracepoint/vmscan/mm_vmscan_memcg_reclaim_begin")
int drsnoop_memcg_begin(void *ctx)
{
	return on_begin(1);
}

SEC("tracepoint/vmscan/mm_vmscan_memcg_reclaim_end")
int drsnoop_memcg_end(struct trace_event_raw_mm_vmscan_direct_reclaim_end_template *ctx)
{
	return on_end(ctx->nr_reclaimed);
}
