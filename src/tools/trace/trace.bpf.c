// SPDX-License-Identifier: GPL-2.0
/* tsnap trace: one record per hit of uprobes, uretprobes or tracepoints, with up to six
 * values (parameters, the return value, tracepoint fields; numbers or strings) sent
 * through a ring buffer (bcc trace, simple forms). Each attachment's cookie indexes
 * `probes`: where each of the probe's values is and how to read it. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/ringbuf.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/probe-args.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MAX_ARGS 6
#define STR_LEN 64

#define SRC_NONE 0
#define SRC_FIELD 1
#define SRC_PARAM 2
#define SRC_RETVAL 3

#define STR_NO 0	/* a number */
#define STR_USER 1	/* a NUL-terminated string at a user address (the value) */
#define STR_KERNEL 2	/* ... at a kernel address */
#define STR_INLINE 3	/* a char array inside the tracepoint record */
#define STR_DATA_LOC 4	/* a __data_loc string of the tracepoint record */

/* Layouts: ARG, EVENT and CONFIG in trace-load.ts ("ttrace": vmlinux.h has a trace_event). */
struct ttrace_arg {
	__u8 source;
	__u8 size;
	__u8 is_signed;
	__u8 str;
	__u16 offset;
	__u8 param;
	__u8 pad;
};

struct ttrace_probe {
	struct ttrace_arg args[MAX_ARGS];
};

struct ttrace_event {
	__u64 ts;
	__u32 pid;
	__u32 tid;
	__u32 probe;
	__u32 pad;
	char comm[16];
	__u64 vals[MAX_ARGS];
	char strs[MAX_ARGS][STR_LEN];
};

struct ttrace_config {
	__u32 filter_pid;
	__u32 pad;
};

const volatile struct ttrace_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* one per probe, set before load */
	__type(key, __u32);
	__type(value, struct ttrace_probe);
} probes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

static __always_inline void read_arg(void *ctx, int is_tp, struct ttrace_arg *a, __u64 *val, char *str)
{
	__u64 base = is_tp ? ptr_bits(ctx) : 0, v = 0;
	__u32 sz = a->size, shift;

	if (a->source == SRC_FIELD) {
		if (!is_tp)
			return;
		if (a->str == STR_INLINE) {
			bpf_probe_read_kernel_str(str, STR_LEN, (void *)(base + a->offset));
			return;
		}
		if (a->str == STR_DATA_LOC) {
			__u32 loc = 0;

			bpf_probe_read_kernel(&loc, sizeof(loc), (void *)(base + a->offset));
			bpf_probe_read_kernel_str(str, STR_LEN, (void *)(base + (loc & 0xffff)));
			return;
		}
		if (sz == 0 || sz > 8)
			return;
		bpf_probe_read_kernel(&v, sz, (void *)(base + a->offset));
	} else if (a->source == SRC_PARAM) {
		if (is_tp)
			return;
		v = param_reg(ctx, a->param);
	} else if (a->source == SRC_RETVAL) {
		if (is_tp)
			return;
		v = PT_REGS_RC((struct pt_regs *)ctx);
	} else {
		return;
	}
	if (a->str == STR_USER) {
		bpf_probe_read_user_str(str, STR_LEN, (void *)v);
		return;
	}
	if (a->str == STR_KERNEL) {
		bpf_probe_read_kernel_str(str, STR_LEN, (void *)v);
		return;
	}
	if (sz > 0 && sz < 8) {
		shift = 64 - sz * 8;
		v = a->is_signed ? (__u64)(((__s64)(v << shift)) >> shift) : (v << shift) >> shift;
	}
	*val = v;
}

static __always_inline void emit(void *ctx, int is_tp)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 probe = (__u32)bpf_get_attach_cookie(ctx);
	struct ttrace_probe *p;
	struct ttrace_event *e;

	if (cfg.filter_pid && (id >> 32) != cfg.filter_pid)
		return;
	p = bpf_map_lookup_elem(&probes, &probe);
	if (!p)
		return;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	if (!e)
		return;
	__builtin_memset(e->vals, 0, sizeof(e->vals));
	e->ts = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->probe = probe;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
#pragma unroll
	for (int i = 0; i < MAX_ARGS; i++) {
		e->strs[i][0] = 0;
		read_arg(ctx, is_tp, &p->args[i], &e->vals[i], e->strs[i]);
	}
	bpf_ringbuf_submit(e, 0);
}

SEC("uprobe")
int trace_uprobe(struct pt_regs *ctx)
{
	emit(ctx, 0);
	return 0;
}

SEC("tracepoint")
int trace_tracepoint(void *ctx)
{
	emit(ctx, 1);
	return 0;
}
