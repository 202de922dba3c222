// SPDX-License-Identifier: GPL-2.0
/* tsnap tcpsynbl: the length of listeners' accept queues ("SYN backlog") when a
 * connection is added to them, as log2 histograms per backlog limit (bcc/libbpf-tools
 * tcpsynbl), without kprobes. libbpf-tools reads the listener's sk_ack_backlog and
 * sk_max_ack_backlog at tcp_v4/v6_syn_recv_sock(), where the handshake's last ACK makes
 * the connection's socket. That socket is a copy of the listener (sk_clone_lock()), and
 * inet_csk_clone_lock() moves it from the copied LISTEN to SYN_RECV right after,
 * inside tcp_v4/v6_syn_recv_sock(): sock:inet_sock_set_state with LISTEN -> SYN_RECV, on
 * the new socket whose two fields still hold the listener's values at that instant. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/hist.bpf.h"
#include "lib/loghist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layout user space shares (tcpsynbl-records.ts declares it). */
struct tcpsynbl_config {
	__u16 family;		/* only this address family, when not 0 */
	__u16 pad;
};

#define LOST_HIST 1	/* connections not counted: `hists` was full */

const volatile struct tcpsynbl_config cfg = {};

LOG_HIST_MAP(hists, __u32);	/* backlog limit (sk_max_ack_backlog) -> histogram */

COUNTER_ARRAY(lost, 2);

SEC("tracepoint/sock/inet_sock_set_state")
int tcpsynbl_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct sock *sk = (struct sock *)ctx->skaddr;
	struct log_hist *h;
	__u32 max, backlog;

	if (ctx->protocol != IPPROTO_TCP || ctx->oldstate != TCP_LISTEN || ctx->newstate != TCP_SYN_RECV)
		return 0;
	if (cfg.family && ctx->family != cfg.family)
		return 0;
	max = BPF_CORE_READ(sk, sk_max_ack_backlog);
	backlog = BPF_CORE_READ(sk, sk_ack_backlog);
	h = log_hist_get(&hists, &max, NULL);
	if (!h) {
		count_in(&lost, LOST_HIST);
		return 0;
	}
	log_hist_add(h, backlog, 0);
	return 0;
}
