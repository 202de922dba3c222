// SPDX-License-Identifier: GPL-2.0
/* tsnap trace: one record per hit of uprobes, uretprobes, USDT probes or tracepoints that
 * passes the probe's filter, with its values (parameters, the return value, USDT
 * arguments, tracepoint fields; numbers or strings) sent through a ring buffer (bcc
 * trace). Each attachment's cookie indexes `probes`: where each of the probe's values is
 * and its filter (lib/probe-args.bpf.h, lib/probe-filter.bpf.h). A hit is read into a
 * per-CPU record and filtered there, so only passing hits take ring buffer space. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/ringbuf.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/probe-args.bpf.h"
#include "lib/probe-filter.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Layouts: EVENT in trace-load.ts ("ttrace": vmlinux.h has a trace_event);
 * the probe table (struct probe_desc) in probe-values.ts. */
struct ttrace_event {
	__u64 ts;
	__u32 pid;
	__u32 tid;
	__u32 probe;
	__u32 pad;
	char comm[16];
	__u64 vals[PROBE_SLOTS];
	char strs[PROBE_SLOTS][PROBE_STR_LEN];
};

const volatile struct probe_config cfg = {};

PROBE_TABLE(probes, struct probe_desc);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/* The record being filled: the filter runs before a ring buffer slot is taken. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ttrace_event);
} scratch SEC(".maps");

COUNTER_ARRAY(lost, 1);

static __always_inline void emit(void *ctx, int is_tp)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 probe = (__u32)bpf_get_attach_cookie(ctx), zero = 0;
	struct probe_desc *p;
	struct ttrace_event *e;

	if (cfg.filter_pid && (id >> 32) != cfg.filter_pid)
		return;
	p = bpf_map_lookup_elem(&probes, &probe);
	if (!p)
		return;
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return;
	e->ts = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->probe = probe;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (!probe_read_hit(ctx, is_tp, p, e->vals, e->strs))
		return;
	if (bpf_ringbuf_output(&events, e, sizeof(*e), 0))
		count_in(&lost, 0);
}

PROBE_PROGRAMS(trace, emit)
