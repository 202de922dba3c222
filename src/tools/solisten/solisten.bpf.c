// SPDX-License-Identifier: GPL-2.0
/* tsnap solisten: every listen() on an IPv4 or IPv6 stream socket (bcc/libbpf-tools
 * solisten), without kprobes: syscalls:sys_enter_listen keeps the descriptor and backlog
 * per thread; at sys_exit_listen the descriptor's socket is read from the task's file
 * table (its family, type, bound address and port, after listen() picked one) and the
 * record, with listen()'s return value, goes to the ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (solisten-records.ts declares them). */
struct solisten_config {
	__u32 pid;		/* only this process, when not 0 */
};

struct solisten_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns when listen() returned */
	__u32 pid;
	__s32 ret;
	__s32 backlog;
	__u16 type;		/* SOCK_STREAM, ... */
	__u16 pad;
	char comm[16];
	struct sock_id id;	/* s = the bound address and port */
};

struct args {
	__s32 fd;
	__s32 backlog;
};

const volatile struct solisten_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);	/* tid */
	__type(value, struct args);
} listening SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

SEC("tracepoint/syscalls/sys_enter_listen")
int solisten_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct args a = { .fd = (__s32)ctx->args[0], .backlog = (__s32)ctx->args[1] };

	if (cfg.pid && (id >> 32) != cfg.pid)
		return 0;
	bpf_map_update_elem(&listening, &tid, &a, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_listen")
int solisten_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct solisten_event *e;
	struct args *a;
	struct sock *sk;

	a = bpf_map_lookup_elem(&listening, &tid);
	if (!a)
		return 0;
	sk = sock_of_fd(a->fd);
	if (!sk)
		goto cleanup;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	if (!e)
		goto cleanup;
	sock_id_from_sk(&e->id, sk);
	if (e->id.family != AF_INET && e->id.family != AF_INET6) {
		bpf_ringbuf_discard(e, 0);
		goto cleanup;
	}
	e->ts = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->ret = ctx->ret;
	e->backlog = a->backlog;
	e->type = BPF_CORE_READ(sk, sk_type);
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
cleanup:
	bpf_map_delete_elem(&listening, &tid);
	return 0;
}
