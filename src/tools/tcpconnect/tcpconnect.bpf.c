// SPDX-License-Identifier: GPL-2.0
/* tsnap tcpconnect: every active TCP open (connect()) that sent a SYN (bcc/libbpf-tools
 * tcpconnect), without kprobes. sock:inet_sock_set_state CLOSE -> SYN_SENT runs in the
 * connecting task (tcp_v4_connect / tcp_v6_connect): its pid, comm, uid and the addresses
 * are kept per socket in `conns`, the socket per thread in `connecting`. The local port is
 * assigned after that state change, so it is taken when the socket leaves SYN_SENT (the
 * handshake ended or failed: the port is still set then) or, at latest, when connect()
 * returns (syscalls:sys_exit_connect), which sends the record (or counts it with -c).
 * connect()s made without the syscall (io_uring, in-kernel users) are not reported. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (tcpconnect-records.ts declares them). */
struct tcpconnect_config {
	__u32 pid;		/* only this process, when not 0 */
	__u32 uid;		/* only this uid, when filter_uid */
	__u16 dports[SOCK_MAX_PORTS];	/* only these destination ports (0-terminated; empty: all) */
	__u8 filter_uid;
	__u8 count;		/* count per (addresses, dport[, sport]) instead of sending records */
	__u8 source_port;	/* -c: the source port is part of the key */
	__u8 pad;
};

struct tcpconnect_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns when connect() returned */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__s32 ret;		/* connect()'s return value (0, -EINPROGRESS, -ECONNREFUSED, ...) */
	char comm[16];
	struct sock_id id;
};

const volatile struct tcpconnect_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);	/* struct sock * */
	__type(value, struct tcpconnect_event);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);	/* tid */
	__type(value, __u64);	/* struct sock * */
} connecting SEC(".maps");

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

COUNTER_ARRAY(lost, 2);

#define LOST_RING 0	/* connects not reported: the ring buffer was full */
#define LOST_START 1	/* connects not followed: `conns` or `connecting` was full */

SEC("tracepoint/sock/inet_sock_set_state")
int tcpconnect_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr, id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, uid;
	struct tcpconnect_event e = {}, *ep;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (ctx->oldstate == TCP_SYN_SENT) {
		ep = bpf_map_lookup_elem(&conns, &sk);
		if (ep && !ep->id.sport)
			ep->id.sport = ctx->sport;
		return 0;
	}
	if (ctx->newstate != TCP_SYN_SENT)
		return 0;
	if (cfg.pid && (id >> 32) != cfg.pid)
		return 0;
	uid = (__u32)bpf_get_current_uid_gid();
	if (cfg.filter_uid && uid != cfg.uid)
		return 0;
	if (!port_listed(cfg.dports, ctx->dport))
		return 0;
	e.pid = id >> 32;
	e.tid = tid;
	e.uid = uid;
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	sock_id_from_tp(&e.id, ctx);
	if (bpf_map_update_elem(&conns, &sk, &e, BPF_ANY) ||
	    bpf_map_update_elem(&connecting, &tid, &sk, BPF_ANY)) {
		bpf_map_delete_elem(&conns, &sk);
		count_in(&lost, LOST_START);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int tcpconnect_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct tcpconnect_event *e;
	__u64 *skp, sk;

	skp = bpf_map_lookup_elem(&connecting, &tid);
	if (!skp)
		return 0;
	sk = *skp;
	bpf_map_delete_elem(&connecting, &tid);
	e = bpf_map_lookup_elem(&conns, &sk);
	if (!e)
		return 0;
	if (!e->id.sport)
		e->id.sport = BPF_CORE_READ((struct sock *)sk, __sk_common.skc_num);
	/* no port: the connect failed before its SYN (no port free), as bcc skips it */
	if (!e->id.sport)
		goto cleanup;
	e->ret = ctx->ret;
	e->ts = bpf_ktime_get_ns();
	if (cfg.count) {
		struct sock_id key = e->id;

		if (!cfg.source_port)
			key.sport = 0;
		count_add(&counts, &key, 1);
	} else if (bpf_ringbuf_output(&events, e, sizeof(*e), 0)) {
		count_in(&lost, LOST_RING);
	}
cleanup:
	bpf_map_delete_elem(&conns, &sk);
	return 0;
}
