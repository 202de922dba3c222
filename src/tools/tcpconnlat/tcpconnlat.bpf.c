// SPDX-License-Identifier: GPL-2.0
/* tsnap tcpconnlat: the latency of every active TCP open, from connect() sending its SYN
 * to the handshake's end (bcc/libbpf-tools tcpconnlat), without kprobes: on
 * sock:inet_sock_set_state, CLOSE -> SYN_SENT runs in the connecting task (tcp_v4_connect,
 * tcp_v6_connect): its time, pid and comm are kept per socket; SYN_SENT -> ESTABLISHED
 * (the SYN-ACK arrived) sends the record when the latency is at least cfg.min_ns.
 * SYN_SENT -> CLOSE (refused, timed out) drops the entry, as libbpf-tools does. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (tcpconnlat-records.ts declares them). */
struct tcpconnlat_config {
	__u64 min_ns;		/* only connects at least this slow */
	__u32 pid;		/* only this process, when not 0 */
	__u16 family;		/* only this address family, when not 0 */
	__u16 pad;
};

struct tcpconnlat_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at ESTABLISHED */
	__u64 delta_ns;		/* SYN_SENT -> ESTABLISHED */
	__u32 pid;
	__u32 pad;
	char comm[16];
	struct sock_id id;
};

struct start {
	__u64 ts;
	__u32 pid;
	__u32 pad;
	char comm[16];
};

const volatile struct tcpconnlat_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);	/* struct sock * */
	__type(value, struct start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 2);

#define LOST_RING 0	/* connects not reported: the ring buffer was full */
#define LOST_START 1	/* connects not timed: `starts` was full */

SEC("tracepoint/sock/inet_sock_set_state")
int tcpconnlat_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr, ts, delta;
	struct tcpconnlat_event *e;
	struct start s = {}, *sp;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (cfg.family && ctx->family != cfg.family)
		return 0;
	if (ctx->newstate == TCP_SYN_SENT) {
		s.pid = bpf_get_current_pid_tgid() >> 32;
		if (cfg.pid && s.pid != cfg.pid)
			return 0;
		s.ts = bpf_ktime_get_ns();
		bpf_get_current_comm(s.comm, sizeof(s.comm));
		if (bpf_map_update_elem(&starts, &sk, &s, BPF_ANY))
			count_in(&lost, LOST_START);
		return 0;
	}
	if (ctx->oldstate != TCP_SYN_SENT)
		return 0;
	sp = bpf_map_lookup_elem(&starts, &sk);
	if (!sp)
		return 0;
	if (ctx->newstate != TCP_ESTABLISHED)
		goto cleanup;
	ts = bpf_ktime_get_ns();
	delta = ts - sp->ts;
	if (delta < cfg.min_ns)
		goto cleanup;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, LOST_RING);
	if (!e)
		goto cleanup;
	e->ts = ts;
	e->delta_ns = delta;
	e->pid = sp->pid;
	e->pad = 0;
	__builtin_memcpy(e->comm, sp->comm, sizeof(e->comm));
	sock_id_from_tp(&e->id, ctx);
	bpf_ringbuf_submit(e, 0);
cleanup:
	bpf_map_delete_elem(&starts, &sk);
	return 0;
}
