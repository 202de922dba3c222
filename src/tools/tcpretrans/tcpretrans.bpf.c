// SPDX-License-Identifier: GPL-2.0
/* tsnap tcpretrans: every TCP retransmission (bcc/libbpf-tools tcpretrans), on the
 * tcp:tcp_retransmit_skb tracepoint: a record per retransmitted packet to the ring
 * buffer, or a count per connection (-c). Only retransmits the kernel sent (err 0) are
 * kept, those it counts in RetransSegs. Tail loss probes have no tracepoint. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (tcpretrans-records.ts declares them). */
struct tcpretrans_config {
	__u8 count;		/* count per connection instead of sending records */
	__u8 pad[3];
};

struct tcpretrans_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns */
	__u64 skaddr;
	__u32 pid;		/* the task the kernel was running (often none of the connection's) */
	__s32 state;
	struct sock_id id;
};

const volatile struct tcpretrans_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct sock_id);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tcpretrans_retransmit(struct trace_event_raw_tcp_retransmit_skb *ctx)
{
	struct tcpretrans_event *e;
	struct sock_id id = {};

	if (bpf_core_field_exists(ctx->err) && ctx->err)
		return 0;
	id.family = ctx->family;
	id.sport = ctx->sport;
	id.dport = ctx->dport;
	if (ctx->family == AF_INET) {
		bpf_probe_read_kernel(id.saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(id.daddr, 4, ctx->daddr);
	} else {
		bpf_probe_read_kernel(id.saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(id.daddr, 16, ctx->daddr_v6);
	}
	if (cfg.count) {
		count_add(&counts, &id, 1);
		return 0;
	}
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->skaddr = (__u64)ctx->skaddr;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->state = ctx->state;
	e->id = id;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
