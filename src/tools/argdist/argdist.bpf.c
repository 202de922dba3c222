// SPDX-License-Identifier: GPL-2.0
/* tsnap argdist: the values of a function's parameter or return value (uprobes), a USDT
 * probe's argument or a tracepoint's field, counted per value (-C) or in a log2 histogram
 * (-H) in the kernel, for the hits that pass the specifier's filter (bcc argdist). Each
 * attachment's cookie indexes `probes`: where the probe's values are and its filter
 * (lib/probe-args.bpf.h, lib/probe-filter.bpf.h), which slot is counted, and for which
 * specifier (and so which key). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/hist.bpf.h"
#include "lib/loghist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/probe-args.bpf.h"
#include "lib/probe-filter.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Layouts: PROBE and COUNT_KEY in argdist-load.ts; struct probe_desc in
 * probe-values.ts. */
struct argdist_probe {
	struct probe_desc desc;	/* where the values are, the filter */
	__u8 hist;		/* 1: log2 histogram, 0: count per value */
	__u8 value_slot;	/* the slot counted */
	__u16 pad;
	__u32 spec;		/* the specifier: the key of its counts or histogram */
};

/* One hit's values and strings, per CPU (too big for the stack). */
struct argdist_scratch {
	__u64 vals[PROBE_SLOTS];
	char strs[PROBE_SLOTS][PROBE_STR_LEN];
};

struct count_key {
	__u32 spec;
	__u32 pad;
	__u64 value;
};

const volatile struct probe_config cfg = {};

PROBE_TABLE(probes, struct argdist_probe);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct count_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct log_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct argdist_scratch);
} scratch SEC(".maps");

/* [0] values not counted: a map was full */
COUNTER_ARRAY(lost, 1);

static __always_inline void record(void *ctx, int is_tp)
{
	__u32 id = (__u32)bpf_get_attach_cookie(ctx), zero = 0;
	struct argdist_scratch *x;
	struct argdist_probe *p;
	__u32 slot;
	__u64 v;

	if (cfg.filter_pid && (bpf_get_current_pid_tgid() >> 32) != cfg.filter_pid)
		return;
	p = bpf_map_lookup_elem(&probes, &id);
	x = bpf_map_lookup_elem(&scratch, &zero);
	if (!p || !x)
		return;
	if (!probe_read_hit(ctx, is_tp, &p->desc, x->vals, x->strs))
		return;
	slot = p->value_slot & (PROBE_SLOTS - 1);
	v = x->vals[slot];
	if (p->hist) {
		struct log_hist *h = log_hist_get(&hists, &p->spec, NULL);

		if (!h) {
			count_in(&lost, 0);
			return;
		}
		/* negative values count in slot 0, as bcc's log2 of them does */
		log_hist_add(h, p->desc.slots[slot].is_signed && (__s64)v < 0 ? 0 : v, 0);
		return;
	}
	{
		struct count_key k = { .spec = p->spec, .value = v };

		if (!count_add(&counts, &k, 1))
			count_in(&lost, 0);
	}
}

PROBE_PROGRAMS(argdist, record)
