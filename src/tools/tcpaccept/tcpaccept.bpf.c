// SPDX-License-Identifier: GPL-2.0
/* tsnap tcpaccept: every TCP connection a process accepts (bcc tcpaccept), without
 * kprobes: at syscalls:sys_exit_accept4 / sys_exit_accept (in the accepting task) the new
 * descriptor's socket is read from the task's file table, and a TCP socket's addresses
 * and ports go to the ring buffer. Accepts made without the syscall (io_uring, in-kernel
 * users) are not reported. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (tcpaccept-records.ts declares them). */
struct tcpaccept_config {
	__u32 pid;		/* only this process, when not 0 */
	__u16 lports[SOCK_MAX_PORTS];	/* only these local ports (0-terminated; empty: all) */
	__u16 family;		/* only this address family, when not 0 */
	__u16 pad;
};

struct tcpaccept_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns when accept() returned */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__s32 fd;		/* the accepted descriptor */
	char comm[16];
	struct sock_id id;	/* s = local, d = remote */
};

const volatile struct tcpaccept_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tcpaccept_event *e;
	struct sock *sk;

	if (ret < 0)
		return 0;
	if (cfg.pid && (id >> 32) != cfg.pid)
		return 0;
	sk = tcp_sock_of_fd(ret);
	if (!sk)
		return 0;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	if (!e)
		return 0;
	sock_id_from_sk(&e->id, sk);
	if ((e->id.family != AF_INET && e->id.family != AF_INET6) ||
	    (cfg.family && e->id.family != cfg.family) || !port_listed(cfg.lports, e->id.sport)) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	e->ts = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->fd = ret;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tcpaccept_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int tcpaccept_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
