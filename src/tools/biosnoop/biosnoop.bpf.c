// SPDX-License-Identifier: GPL-2.0
/* tsnap biosnoop: every block I/O request as it completes, with its issuer, disk, sector,
 * size and latency (bcc/libbpf-tools biosnoop, on tracepoints: libbpf-tools' needs a
 * kprobe). block_getrq, which runs in the submitting task when a bio gets a new request,
 * notes that task per bio in `issuers`; block_rq_insert (with -Q) and block_rq_issue keep
 * the request's times and its issuer (the task of its first bio, else the current task)
 * in `starts`; block_rq_complete sends the record through the ring buffer. Each hook is a
 * tp_btf/raw_tp pair (lib/hooks.bpf.h): user space loads the pair the kernel supports. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/blk.bpf.h"
#include "lib/hooks.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (biosnoop-records.ts declares them). */
struct biosnoop_config {
	__u32 dev;	/* only this disk (MKDEV(major, minor) as the kernel's dev_t), 0 = every disk */
	__u8 queued;	/* also time the request from block_rq_insert */
	__u8 filter_cg;	/* only I/O submitted by tasks under the cgroup in `cgroup_map` */
	__u8 pad[2];
};

struct biosnoop_event {
	__u64 ts;	/* CLOCK_MONOTONIC ns at the completion */
	__u64 sector;
	__u64 delta_ns;	/* issue → completion */
	__s64 qdelta_ns;/* insert → issue; -1 when not inserted (or without -Q) */
	__u32 pid;
	__u32 dev;
	__u32 len;	/* bytes */
	__u32 flags;	/* lib/blk.bpf.h rq_flags */
	char comm[16];
};

struct issuer {
	__u32 pid;
	char comm[16];
};

struct rq_start {
	__u64 insert_ts;
	__u64 issue_ts;
	struct issuer who;
};

const volatile struct biosnoop_config cfg = {};

/* Bios that got a request, by address: who submitted them (LRU: a bio merged into another
 * request is never looked up again). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct issuer);
} issuers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct rq_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 2);

#define LOST_RING 0	/* I/Os not reported: the ring buffer was full */
#define LOST_START 1	/* I/Os not timed: `starts` was full */

CGROUP_FILTER_MAP(cgroup_map);

TP_BTF_OR_RAW_TP(block_getrq, biosnoop_getrq, struct bio *bio)
{
	__u64 key = (__u64)bio;
	struct issuer who = {};

	if (cfg.filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return 0;
	who.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(who.comm, sizeof(who.comm));
	bpf_map_update_elem(&issuers, &key, &who, BPF_ANY);
	return 0;
}

/* The request's entry in `starts`, created with its issuer; NULL when it is not traced. */
static __always_inline struct rq_start *rq_entry(struct request *rq)
{
	__u64 key = (__u64)rq, bio = (__u64)BPF_CORE_READ(rq, bio);
	struct rq_start *s = bpf_map_lookup_elem(&starts, &key), zero = {};
	struct issuer *who;

	if (s)
		return s;
	if (cfg.dev && rq_dev(rq) != cfg.dev)
		return 0;
	who = bio ? bpf_map_lookup_elem(&issuers, &bio) : 0;
	if (who) {
		zero.who = *who;
		bpf_map_delete_elem(&issuers, &bio);
	} else {
		/* no bio, or one submitted before tracing began: the task at hand */
		if (cfg.filter_cg)
			return 0;
		zero.who.pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(zero.who.comm, sizeof(zero.who.comm));
	}
	if (bpf_map_update_elem(&starts, &key, &zero, BPF_NOEXIST)) {
		count_in(&lost, LOST_START);
		return 0;
	}
	return bpf_map_lookup_elem(&starts, &key);
}

TP_BTF_OR_RAW_TP(block_rq_insert, biosnoop_insert, struct request *rq)
{
	struct rq_start *s = rq_entry(rq);

	if (s)
		s->insert_ts = bpf_ktime_get_ns();
	return 0;
}

TP_BTF_OR_RAW_TP(block_rq_issue, biosnoop_issue, struct request *rq)
{
	struct rq_start *s = rq_entry(rq);

	if (s)
		s->issue_ts = bpf_ktime_get_ns();
	return 0;
}

TP_BTF_OR_RAW_TP(block_rq_complete, biosnoop_complete, struct request *rq, blk_status_t error,
		 unsigned int nr_bytes)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns();
	struct rq_start *s = bpf_map_lookup_elem(&starts, &key);
	struct biosnoop_event *e;

	if (!s)
		return 0;
	if (!s->issue_ts)
		goto cleanup;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, LOST_RING);
	if (!e)
		goto cleanup;
	e->ts = now;
	e->sector = BPF_CORE_READ(rq, __sector);
	e->len = BPF_CORE_READ(rq, __data_len);
	e->delta_ns = now - s->issue_ts;
	e->qdelta_ns = s->insert_ts ? (__s64)(s->issue_ts - s->insert_ts) : -1;
	e->pid = s->who.pid;
	__builtin_memcpy(e->comm, s->who.comm, sizeof(e->comm));
	e->dev = rq_dev(rq);
	e->flags = rq_flags(rq);
	bpf_ringbuf_submit(e, 0);
cleanup:
	bpf_map_delete_elem(&starts, &key);
	return 0;
}
