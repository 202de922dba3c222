// SPDX-License-Identifier: GPL-2.0
/* tsnap argdist: the values of a function's parameter or return value (uprobes), or of a
 * tracepoint's field, counted per value (-C) or in a log2 histogram (-H) in the kernel
 * (bcc argdist, simple forms). Each attachment's cookie indexes `probes`, which says where
 * the value is (a record field's offset and size, a parameter register, the return
 * register), whether it is signed, and which specifier (and so which key) it counts for. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/hist.bpf.h"
#include "lib/loghist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/probe-args.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define SRC_FIELD 0
#define SRC_PARAM 1
#define SRC_RETVAL 2

/* Layouts: PROBE, CONFIG and COUNT_KEY in argdist-load.ts. */
struct argdist_probe {
	__u8 source;	/* SRC_* */
	__u8 size;	/* bytes of the value: 1, 2, 4 or 8 */
	__u8 is_signed;
	__u8 hist;	/* 1: log2 histogram, 0: count per value */
	__u16 offset;	/* SRC_FIELD: offset in the tracepoint's record */
	__u8 param;	/* SRC_PARAM: 1..6 (x86-64 registers) */
	__u8 pad;
	__u32 spec;	/* the specifier: the key of its counts or histogram */
	__u32 pad2;
};

struct argdist_config {
	__u32 filter_pid;
	__u32 pad;
};

struct count_key {
	__u32 spec;
	__u32 pad;
	__u64 value;
};

const volatile struct argdist_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* one per probe, set before load */
	__type(key, __u32);
	__type(value, struct argdist_probe);
} probes SEC(".maps");

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

/* [0] values not counted: a map was full */
COUNTER_ARRAY(lost, 1);

static __always_inline void record(void *ctx, int is_tp)
{
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);
	struct argdist_probe *p;
	__u64 v = 0, *c;
	__u32 sz, shift;

	if (cfg.filter_pid && (bpf_get_current_pid_tgid() >> 32) != cfg.filter_pid)
		return;
	p = bpf_map_lookup_elem(&probes, &id);
	if (!p)
		return;
	sz = p->size;
	if (sz == 0 || sz > 8)
		return;
	if (p->source == SRC_FIELD) {
		if (!is_tp)
			return;
		bpf_probe_read_kernel(&v, sz, (void *)(ptr_bits(ctx) + p->offset));
	} else if (is_tp) {
		return;
	} else if (p->source == SRC_PARAM) {
		v = param_reg(ctx, p->param);
	} else {
		v = PT_REGS_RC((struct pt_regs *)ctx);
	}
	if (sz < 8) {
		shift = 64 - sz * 8;
		v = p->is_signed ? (__u64)(((__s64)(v << shift)) >> shift) : (v << shift) >> shift;
	}
	if (p->hist) {
		struct log_hist *h = log_hist_get(&hists, &p->spec, NULL);

		if (!h) {
			count_in(&lost, 0);
			return;
		}
		/* negative values count in slot 0, as bcc's log2 of them does */
		log_hist_add(h, p->is_signed && (__s64)v < 0 ? 0 : v, 0);
		return;
	}
	{
		struct count_key k = { .spec = p->spec, .value = v };

		c = bpf_map_lookup_elem(&counts, &k);
		if (c) {
			__sync_fetch_and_add(c, 1);
		} else {
			__u64 one = 1;

			if (bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST)) {
				c = bpf_map_lookup_elem(&counts, &k);
				if (c)
					__sync_fetch_and_add(c, 1);
				else
					count_in(&lost, 0);
			}
		}
	}
}

SEC("uprobe")
int argdist_uprobe(struct pt_regs *ctx)
{
	record(ctx, 0);
	return 0;
}

SEC("tracepoint")
int argdist_tracepoint(void *ctx)
{
	record(ctx, 1);
	return 0;
}
