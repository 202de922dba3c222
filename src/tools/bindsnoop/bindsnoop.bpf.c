// SPDX-License-Identifier: GPL-2.0
/* tsnap bindsnoop: every bind() of an IPv4 or IPv6 socket (bcc/libbpf-tools bindsnoop)
 * without kprobes: syscalls:sys_enter_bind keeps the descriptor per thread; at
 * sys_exit_bind its socket is read from the task's file table: the protocol, the bound
 * port and address (what bind() set), the device it is bound to, and the options bcc
 * shows (IP_FREEBIND, IP_TRANSPARENT, IP_BIND_ADDRESS_NO_PORT from inet_flags, which
 * replaced the bit fields libbpf-tools reads; SO_REUSEADDR, SO_REUSEPORT). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* bcc's option bits: F T N R r */
#define OPT_FREEBIND 1
#define OPT_TRANSPARENT 2
#define OPT_NO_PORT 4
#define OPT_REUSEADDR 8
#define OPT_REUSEPORT 16

/* The layouts user space shares (bindsnoop-records.ts declares them). */
struct bindsnoop_config {
	__u32 pid;		/* only this process, when not 0 */
	__u16 ports[SOCK_MAX_PORTS];	/* only these bound ports (0-terminated; empty: all) */
	__u8 failed;		/* also binds that failed */
	__u8 pad[3];
};

struct bindsnoop_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns when bind() returned */
	__u32 pid;
	__s32 ret;
	__s32 bound_dev_if;
	__u16 proto;		/* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 opts;		/* OPT_* */
	__u8 pad;
	char comm[16];
	struct sock_id id;	/* s = the bound address and port */
};

const volatile struct bindsnoop_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);	/* tid */
	__type(value, __s32);	/* fd */
} binding SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

SEC("tracepoint/syscalls/sys_enter_bind")
int bindsnoop_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__s32 fd = (__s32)ctx->args[0];

	if (cfg.pid && (id >> 32) != cfg.pid)
		return 0;
	bpf_map_update_elem(&binding, &tid, &fd, BPF_ANY);
	return 0;
}

/* A bit of inet_flags (an anonymous enum in vmlinux.h: its values, not CO-RE relocated). */
static __always_inline __u8 inet_bit(struct sock *sk, int flag)
{
	unsigned long flags = BPF_CORE_READ((struct inet_sock *)sk, inet_flags);

	return (flags >> flag) & 1;
}

SEC("tracepoint/syscalls/sys_exit_bind")
int bindsnoop_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct bindsnoop_event *e;
	struct sock *sk;
	__s32 *fd;
	__u8 opts;

	fd = bpf_map_lookup_elem(&binding, &tid);
	if (!fd)
		return 0;
	if (ctx->ret && !cfg.failed)
		goto cleanup;
	sk = sock_of_fd(*fd);
	if (!sk)
		goto cleanup;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	if (!e)
		goto cleanup;
	sock_id_from_sk(&e->id, sk);
	if ((e->id.family != AF_INET && e->id.family != AF_INET6) || !port_listed(cfg.ports, e->id.sport)) {
		bpf_ringbuf_discard(e, 0);
		goto cleanup;
	}
	opts = 0;
	if (inet_bit(sk, INET_FLAGS_FREEBIND))
		opts |= OPT_FREEBIND;
	if (inet_bit(sk, INET_FLAGS_TRANSPARENT))
		opts |= OPT_TRANSPARENT;
	if (inet_bit(sk, INET_FLAGS_BIND_ADDRESS_NO_PORT))
		opts |= OPT_NO_PORT;
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_reuse))
		opts |= OPT_REUSEADDR;
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_reuseport))
		opts |= OPT_REUSEPORT;
	e->ts = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->ret = ctx->ret;
	e->bound_dev_if = BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if);
	e->proto = BPF_CORE_READ(sk, sk_protocol);
	e->opts = opts;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
cleanup:
	bpf_map_delete_elem(&binding, &tid);
	return 0;
}
