// SPDX-License-Identifier: GPL-2.0
/* tsnap tcpstates: every TCP state change, with the time spent in the state it leaves
 * (bcc/libbpf-tools tcpstates), from sock:inet_sock_set_state alone: the time of each
 * socket's last change is kept in `last` (its first change seen has no duration; the
 * entry goes at CLOSE). The task is whatever ran the change: the process for the changes
 * it makes itself (connect, close, listen), often another one (softirq) for those the
 * peer's packets make. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (tcpstates-records.ts declares them). */
struct tcpstates_config {
	__u16 lports[SOCK_MAX_PORTS];	/* only these local ports (0-terminated; empty: all) */
	__u16 rports[SOCK_MAX_PORTS];	/* only these remote ports */
	__u16 family;		/* only this address family, when not 0 */
	__u16 pad;
};

struct tcpstates_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns of the change */
	__u64 skaddr;
	__u64 delta_ns;		/* time in oldstate; 0 when its start was not seen */
	__u32 pid;
	__s32 oldstate;
	__s32 newstate;
	__u32 pad;
	char comm[16];
	struct sock_id id;
};

const volatile struct tcpstates_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);	/* struct sock * */
	__type(value, __u64);	/* ns of its last change */
} last SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

SEC("tracepoint/sock/inet_sock_set_state")
int tcpstates_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr, ts = bpf_ktime_get_ns(), *prev;
	struct tcpstates_event *e;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (cfg.family && ctx->family != cfg.family)
		return 0;
	if (!port_listed(cfg.lports, ctx->sport) || !port_listed(cfg.rports, ctx->dport))
		return 0;
	prev = bpf_map_lookup_elem(&last, &sk);
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	if (e) {
		e->ts = ts;
		e->skaddr = sk;
		e->delta_ns = prev ? ts - *prev : 0;
		e->pid = bpf_get_current_pid_tgid() >> 32;
		e->oldstate = ctx->oldstate;
		e->newstate = ctx->newstate;
		e->pad = 0;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		sock_id_from_tp(&e->id, ctx);
		bpf_ringbuf_submit(e, 0);
	}
	if (ctx->newstate == TCP_CLOSE)
		bpf_map_delete_elem(&last, &sk);
	else
		bpf_map_update_elem(&last, &sk, &ts, BPF_ANY);
	return 0;
}
