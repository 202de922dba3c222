// SPDX-License-Identifier: GPL-2.0
/* tsnap tcptracer: TCP connects, accepts and closes (bcc/libbpf-tools tcptracer) without
 * kprobes. sock:inet_sock_set_state gives connects and closes: CLOSE -> SYN_SENT runs in
 * the connecting task (its pid, uid and comm are kept per socket in `owner`), SYN_SENT ->
 * ESTABLISHED (in softirq) is the connect record, with the kept task; the first change
 * out of ESTABLISHED or CLOSE_WAIT into FIN_WAIT1 or LAST_ACK (close() or shutdown(), in
 * the closing task) or into CLOSE (an abort: the kept task when known) is the close
 * record. Accepts are read at syscalls:sys_exit_accept4 / sys_exit_accept, in the
 * accepting task (the new descriptor's socket from the task's file table), as tcpaccept
 * does. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define TYPE_CONNECT 'C'
#define TYPE_ACCEPT 'A'
#define TYPE_CLOSE 'X'

/* The layouts user space shares (tcptracer-records.ts declares them). */
struct tcptracer_config {
	__u32 pid;		/* only this process, when not 0 */
	__u32 uid;		/* only this user, when has_uid */
	__u8 has_uid;
	__u8 pad[3];
};

struct tcptracer_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns */
	__u32 pid;
	__u32 uid;
	__u8 type;		/* 'C', 'A' or 'X' */
	__u8 pad[7];
	char comm[16];
	struct sock_id id;	/* s = local, d = remote */
};

struct owner {
	__u32 pid;
	__u32 uid;
	char comm[16];
};

const volatile struct tcptracer_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);	/* struct sock * */
	__type(value, struct owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

static __always_inline void current_owner(struct owner *o)
{
	o->pid = bpf_get_current_pid_tgid() >> 32;
	o->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

static __always_inline bool wanted(const struct owner *o)
{
	return (!cfg.pid || o->pid == cfg.pid) && (!cfg.has_uid || o->uid == cfg.uid);
}

/* A record with everything but the addresses; NULL when filtered out or the ring is full. */
static __always_inline struct tcptracer_event *reserve(const struct owner *o, __u8 type)
{
	struct tcptracer_event *e;

	if (!wanted(o))
		return NULL;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->pid = o->pid;
	e->uid = o->uid;
	e->type = type;
	__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	return e;
}

SEC("tracepoint/sock/inet_sock_set_state")
int tcptracer_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;
	int oldstate = ctx->oldstate, newstate = ctx->newstate;
	struct owner cur = {}, *kept;
	struct tcptracer_event *e;
	__u8 type = 0;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (ctx->family != AF_INET && ctx->family != AF_INET6)
		return 0;
	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		current_owner(&cur);
		bpf_map_update_elem(&owners, &sk, &cur, BPF_ANY);
		return 0;
	}
	kept = bpf_map_lookup_elem(&owners, &sk);
	if (oldstate == TCP_SYN_SENT && newstate == TCP_ESTABLISHED) {
		if (kept) {
			cur = *kept;
			type = TYPE_CONNECT;
		}
	} else if ((oldstate == TCP_ESTABLISHED || oldstate == TCP_CLOSE_WAIT) &&
		   (newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK || newstate == TCP_CLOSE)) {
		/* close() and shutdown() run in the closing task; an abort may run in softirq */
		if (newstate == TCP_CLOSE && kept)
			cur = *kept;
		else
			current_owner(&cur);
		type = TYPE_CLOSE;
	}
	if (type) {
		e = reserve(&cur, type);
		if (e) {
			sock_id_from_tp(&e->id, ctx);
			bpf_ringbuf_submit(e, 0);
		}
	}
	if (newstate == TCP_CLOSE)
		bpf_map_delete_elem(&owners, &sk);
	return 0;
}

static __always_inline int on_accept(long ret)
{
	struct tcptracer_event *e;
	struct owner cur = {};
	struct sock *sk;
	__u64 key;

	if (ret < 0)
		return 0;
	sk = tcp_sock_of_fd(ret);
	if (!sk)
		return 0;
	current_owner(&cur);
	key = (__u64)sk;
	bpf_map_update_elem(&owners, &key, &cur, BPF_ANY);
	e = reserve(&cur, TYPE_ACCEPT);
	if (!e)
		return 0;
	sock_id_from_sk(&e->id, sk);
	if (e->id.family != AF_INET && e->id.family != AF_INET6) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tcptracer_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int tcptracer_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept(ctx->ret);
}
