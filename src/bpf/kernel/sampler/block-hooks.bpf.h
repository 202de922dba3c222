/* SPDX-License-Identifier: GPL-2.0 */
/* Part of sampler.bpf.c (included from it only): block_rq_insert / issue / complete keep
 * block requests in flight (keyed by the request) and the submitting thread's current
 * I/O, and emit an IORQ_END completion for requests a sample saw in flight. Each hook is
 * a tp_btf/raw_tp pair (lib/hooks.bpf.h); user space loads one of the two. */
#ifndef TSNAP_SAMPLER_BLOCK_HOOKS_BPF_H
#define TSNAP_SAMPLER_BLOCK_HOOKS_BPF_H

/* Sequence numbers of block requests, global to this object. */
__u64 iorq_seq_counter;

static __always_inline __u32 rq_dev(struct request *rq)
{
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);
	struct block_device *part = BPF_CORE_READ(rq, part);

	if (part)
		return BPF_CORE_READ(part, bd_dev);
	if (!disk)
		return 0;
	return ((__u32)BPF_CORE_READ(disk, major) << 20) | (__u32)BPF_CORE_READ(disk, first_minor);
}

/* insert (scheduler queue) or issue (to the driver) without a prior insert: start tracking
 * the request and remember it as the submitting thread's I/O in flight. */
static __always_inline struct iorq_track *iorq_start(struct request *rq, __u64 now)
{
	__u64 key = (__u64)rq;
	__u64 id = bpf_get_current_pid_tgid();
	struct iorq_track *e = bpf_map_lookup_elem(&iorq_track, &key);
	struct task_track *t;

	if (e)
		return e;
	struct iorq_track n = {};
	n.seq = __sync_fetch_and_add(&iorq_seq_counter, 1) + 1;
	n.insert_ns = now;
	n.insert_tid = (__u32)id;
	n.insert_tgid = id >> 32;
	n.sector = BPF_CORE_READ(rq, __sector);
	n.bytes = BPF_CORE_READ(rq, __data_len);
	n.cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	n.dev = rq_dev(rq);
	bpf_map_update_elem(&iorq_track, &key, &n, BPF_ANY);
	t = track_of_current(1);
	if (t) {
		t->iorq_rq = key;
		t->iorq_seq = n.seq;
	}
	return bpf_map_lookup_elem(&iorq_track, &key);
}

static __always_inline void on_rq_insert(struct request *rq)
{
	iorq_start(rq, bpf_ktime_get_ns());
}

static __always_inline void on_rq_issue(struct request *rq)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 id = bpf_get_current_pid_tgid();
	struct iorq_track *e = iorq_start(rq, now);

	if (!e)
		return;
	e->issue_ns = now;
	e->issue_tid = (__u32)id;
	e->issue_tgid = id >> 32;
	e->bytes = BPF_CORE_READ(rq, __data_len);
	e->sector = BPF_CORE_READ(rq, __sector);
}

static __always_inline void on_rq_complete(struct request *rq, int error, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq;
	struct iorq_track *e = bpf_map_lookup_elem(&iorq_track, &key);
	struct iorq_end_rec *r;
	__u64 id, now = 0;

	if (!e)
		return;
	if (hist_cfg.io) { /* every completion into the histogram (latency-hists.bpf.h) */
		now = bpf_ktime_get_ns();
		hist_iorq(e, now);
	}
	if (e->sampled) {
		r = ringbuf_reserve_counted(&events, sizeof(*r), &counters, COUNTER_EVENTS_LOST);
		if (r) {
			id = bpf_get_current_pid_tgid();
			r->kind = REC_IORQ_END;
			r->size = sizeof(*r);
			r->insert_tid = e->insert_tid;
			r->insert_tgid = e->insert_tgid;
			r->issue_tid = e->issue_tid;
			r->issue_tgid = e->issue_tgid;
			r->complete_tid = (__u32)id;
			r->complete_tgid = id >> 32;
			r->dev = e->dev;
			r->bytes = e->bytes;
			r->cmd_flags = e->cmd_flags;
			r->error = error;
			r->sector = e->sector;
			r->seq = e->seq;
			r->insert_ns = e->insert_ns;
			r->issue_ns = e->issue_ns;
			r->complete_ns = now ? now : bpf_ktime_get_ns();
			bpf_ringbuf_submit(r, 0);
		}
	}
	bpf_map_delete_elem(&iorq_track, &key);
}

TP_BTF_OR_RAW_TP(block_rq_insert, rq_insert, struct request *rq)
{
	on_rq_insert(rq);
	return 0;
}

TP_BTF_OR_RAW_TP(block_rq_issue, rq_issue, struct request *rq)
{
	on_rq_issue(rq);
	return 0;
}

TP_BTF_OR_RAW_TP(block_rq_complete, rq_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	on_rq_complete(rq, error, nr_bytes);
	return 0;
}

#endif
