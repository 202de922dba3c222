// SPDX-License-Identifier: GPL-2.0
/* tsnap tcplife: one record per TCP session when it closes, with its process, addresses,
 * bytes each way and duration (bcc/libbpf-tools tcplife), from sock:inet_sock_set_state
 * alone. The session's birth is the first state before FIN_WAIT1 seen for its socket; its
 * process is the task current at SYN_SENT (connect), LAST_ACK (close after the peer's
 * FIN) or, when neither was seen, FIN_WAIT1 (close first): states changed in the process's
 * own context. At CLOSE the bytes are read from the tcp_sock (bytes_acked sent,
 * bytes_received received) and the record goes to the ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (tcplife-records.ts declares them). */
struct tcplife_config {
	__u32 pid;		/* only this process, when not 0 */
	__u16 lports[SOCK_MAX_PORTS];	/* only these local ports (0-terminated; empty: all) */
	__u16 rports[SOCK_MAX_PORTS];	/* only these remote ports */
	__u16 family;		/* only this address family, when not 0 */
	__u16 pad;
};

struct tcplife_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at CLOSE */
	__u64 span_ns;		/* from the first state seen to CLOSE */
	__u64 rx_b;		/* tcp_sock.bytes_received */
	__u64 tx_b;		/* tcp_sock.bytes_acked */
	__u32 pid;
	__u32 pad;
	char comm[16];
	struct sock_id id;
};

struct ident {
	__u32 pid;
	char comm[16];
};

const volatile struct tcplife_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);	/* struct sock * */
	__type(value, __u64);	/* ns */
} birth SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct ident);
} idents SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

SEC("tracepoint/sock/inet_sock_set_state")
int tcplife_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr, ts, *start;
	int newstate = ctx->newstate;
	struct ident ident = {}, *identp;
	struct tcplife_event *e;
	struct tcp_sock *tp;
	__u32 pid;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (cfg.family && ctx->family != cfg.family)
		return 0;
	if (!port_listed(cfg.lports, ctx->sport) || !port_listed(cfg.rports, ctx->dport))
		return 0;
	if (newstate < TCP_FIN_WAIT1) {
		ts = bpf_ktime_get_ns();
		bpf_map_update_elem(&birth, &sk, &ts, BPF_NOEXIST);
	}
	if (newstate == TCP_SYN_SENT || newstate == TCP_LAST_ACK || newstate == TCP_FIN_WAIT1) {
		ident.pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(ident.comm, sizeof(ident.comm));
		bpf_map_update_elem(&idents, &sk, &ident, newstate == TCP_FIN_WAIT1 ? BPF_NOEXIST : BPF_ANY);
	}
	if (newstate != TCP_CLOSE)
		return 0;
	start = bpf_map_lookup_elem(&birth, &sk);
	if (!start)
		goto cleanup;
	ts = bpf_ktime_get_ns();
	identp = bpf_map_lookup_elem(&idents, &sk);
	pid = identp ? identp->pid : bpf_get_current_pid_tgid() >> 32;
	if (cfg.pid && pid != cfg.pid)
		goto cleanup;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	if (!e)
		goto cleanup;
	tp = (struct tcp_sock *)sk;
	e->ts = ts;
	e->span_ns = ts - *start;
	e->rx_b = BPF_CORE_READ(tp, bytes_received);
	e->tx_b = BPF_CORE_READ(tp, bytes_acked);
	e->pid = pid;
	e->pad = 0;
	if (identp)
		__builtin_memcpy(e->comm, identp->comm, sizeof(e->comm));
	else
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	sock_id_from_tp(&e->id, ctx);
	bpf_ringbuf_submit(e, 0);
cleanup:
	bpf_map_delete_elem(&birth, &sk);
	bpf_map_delete_elem(&idents, &sk);
	return 0;
}
