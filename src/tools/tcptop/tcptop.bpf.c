// SPDX-License-Identifier: GPL-2.0
/* tsnap tcptop: TCP bytes sent and received per process and connection (bcc/libbpf-tools
 * tcptop), and udptop the same for UDP sockets (cfg.protocol), without kprobes: sock:sock_send_length and sock:sock_recv_length fire when a
 * socket's sendmsg/recvmsg (send, write, recv, read, ... on a socket) returns, in the
 * calling task, with the bytes moved. Counters only grow (user space reports differences
 * between reads); MSG_PEEK reads are not counted. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MSG_PEEK 2

/* The layouts user space shares (tcptop-records.ts declares them). */
struct tcptop_config {
	__u32 pid;		/* only this process, when not 0 */
	__u16 family;		/* only this address family, when not 0 */
	__u8 filter_cg;		/* only tasks under the cgroup in `cgroup_map` */
	__u8 pad;
	__u16 protocol;		/* IPPROTO_TCP (tcptop) or IPPROTO_UDP (udptop) */
	__u16 pad2;
};

struct tcptop_key {
	struct sock_id id;	/* s = local, d = remote */
	__u32 pid;
	char comm[16];
};

struct tcptop_traffic {
	__u64 sent;
	__u64 received;
};

#define LOST_MAP 0	/* bytes not counted: `traffic` was full */

const volatile struct tcptop_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct tcptop_key);
	__type(value, struct tcptop_traffic);
} traffic SEC(".maps");

COUNTER_ARRAY(lost, 1);

CGROUP_FILTER_MAP(cgroup_map);

static __always_inline int count_bytes(struct trace_event_raw_sock_msg_length *ctx, bool sent)
{
	struct tcptop_traffic zero = {}, *t;
	struct tcptop_key key = {};
	int ret = ctx->ret;

	if (ret <= 0 || (ctx->flags & MSG_PEEK) || ctx->protocol != cfg.protocol)
		return 0;
	if (ctx->family != AF_INET && ctx->family != AF_INET6)
		return 0;
	if (cfg.family && ctx->family != cfg.family)
		return 0;
	key.pid = bpf_get_current_pid_tgid() >> 32;
	if (cfg.pid && key.pid != cfg.pid)
		return 0;
	if (cfg.filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return 0;
	sock_id_from_sk(&key.id, (struct sock *)ctx->sk);
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	t = bpf_map_lookup_elem(&traffic, &key);
	if (!t) {
		bpf_map_update_elem(&traffic, &key, &zero, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&traffic, &key);
		if (!t) {
			count_in(&lost, LOST_MAP);
			return 0;
		}
	}
	if (sent)
		__sync_fetch_and_add(&t->sent, ret);
	else
		__sync_fetch_and_add(&t->received, ret);
	return 0;
}

SEC("tracepoint/sock/sock_send_length")
int tcptop_send(struct trace_event_raw_sock_msg_length *ctx)
{
	return count_bytes(ctx, true);
}

SEC("tracepoint/sock/sock_recv_length")
int tcptop_recv(struct trace_event_raw_sock_msg_length *ctx)
{
	return count_bytes(ctx, false);
}
