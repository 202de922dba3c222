// SPDX-License-Identifier: GPL-2.0
/* tsnap biostacks: block I/O latency histograms per kernel stack at I/O init (libbpf-tools
 * biostacks, on tracepoints: libbpf-tools' needs kprobes on blk_account_io_start/done).
 * block_io_start fires where libbpf-tools' kprobe sat (blk_account_io_start, as a bio
 * becomes a request, in the submitting task): the request's start time, the task and its
 * kernel stack (an id in `stackmap`) are kept in `starts`; block_io_done adds the time
 * since to the log2 histogram of (process, disk, stack) in `hists`. Each hook is a
 * tp_btf/raw_tp pair (lib/hooks.bpf.h): user space loads the pair the kernel supports. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/blk.bpf.h"
#include "lib/hist.bpf.h"
#include "lib/hooks.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (biostacks-records.ts declares them). */
struct biostacks_config {
	__u32 dev;	/* only this disk (MKDEV(major, minor)), 0 = every disk */
	__u8 ms;	/* histograms in ms, else µs */
	__u8 pad[3];
};

struct biostacks_key {
	__u32 pid;
	__u32 dev;
	__s32 kstack;	/* id in `stackmap`; negative: not taken */
	char comm[16];
};

struct biostacks_value {
	__u64 slots[HIST_SLOTS];
};

struct rq_start {
	__u64 ts;
	struct biostacks_key key;
};

#define LOST_START 0	/* I/Os not timed: `starts` was full */
#define LOST_HISTS 1	/* I/Os not counted: `hists` was full */

const volatile struct biostacks_config cfg = {};

STACK_TRACE_MAP(stackmap);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct rq_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct biostacks_key);
	__type(value, struct biostacks_value);
} hists SEC(".maps");

COUNTER_ARRAY(lost, 2);

TP_BTF_OR_RAW_TP(block_io_start, biostacks_start, struct request *rq)
{
	__u64 key = (__u64)rq;
	struct rq_start s = {};

	s.key.dev = rq_dev(rq);
	if (cfg.dev && s.key.dev != cfg.dev)
		return 0;
	s.ts = bpf_ktime_get_ns();
	s.key.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(s.key.comm, sizeof(s.key.comm));
	s.key.kstack = bpf_get_stackid(ctx, &stackmap, 0);
	if (bpf_map_update_elem(&starts, &key, &s, BPF_ANY))
		count_in(&lost, LOST_START);
	return 0;
}

TP_BTF_OR_RAW_TP(block_io_done, biostacks_done, struct request *rq)
{
	__u64 key = (__u64)rq, delta;
	struct rq_start *s = bpf_map_lookup_elem(&starts, &key);
	struct biostacks_value zero = {}, *v;
	__u32 slot;

	if (!s)
		return 0;
	delta = (bpf_ktime_get_ns() - s->ts) / (cfg.ms ? 1000000 : 1000);
	v = bpf_map_lookup_elem(&hists, &s->key);
	if (!v) {
		bpf_map_update_elem(&hists, &s->key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&hists, &s->key);
	}
	if (!v) {
		count_in(&lost, LOST_HISTS);
	} else {
		slot = hist_log2_slot(delta, HIST_SLOTS);
		if (slot < HIST_SLOTS)
			__sync_fetch_and_add(&v->slots[slot], 1);
	}
	bpf_map_delete_elem(&starts, &key);
	return 0;
}
