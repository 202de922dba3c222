// SPDX-License-Identifier: GPL-2.0
/* tsnap tcprtt: the smoothed round-trip time of TCP connections as log2 histograms in the
 * kernel (bcc/libbpf-tools tcprtt), without kprobes: tcp:tcp_probe fires at the start of
 * tcp_rcv_established() (every segment an established connection receives, where
 * libbpf-tools hooks with fentry/kprobe) and carries the socket's srtt (tcp_sock srtt_us
 * >> 3, in µs) and its addresses and ports. Each sample is counted in the histogram of its
 * key (one for all, or per local or remote address). */
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

/* The layouts user space shares (tcprtt-records.ts declares them). */
struct tcprtt_config {
	__u8 laddr[16];		/* only this local address, when laddr_family */
	__u8 raddr[16];		/* only this remote address, when raddr_family */
	__u16 laddr_family;
	__u16 raddr_family;
	__u16 lport;		/* only this local port, when not 0 */
	__u16 rport;		/* only this remote port, when not 0 */
	__u8 by;		/* key: 0 none, 1 local address, 2 remote address */
	__u8 ms;		/* slots of milliseconds, not microseconds */
	__u16 family;		/* only this address family, when not 0 */
};

struct tcprtt_key {
	__u8 addr[16];		/* IPv4 in the first 4 bytes */
	__u16 family;		/* 0: all addresses in one histogram */
	__u16 pad;
};

#define LOST_START 0	/* (unused: nothing in flight) */
#define LOST_HIST 1	/* samples not counted: `hists` was full */

const volatile struct tcprtt_config cfg = {};

LOG_HIST_MAP(hists, struct tcprtt_key);

COUNTER_ARRAY(lost, 2);

/* The address of a sockaddr_in / sockaddr_in6 copied from the tracepoint's record. */
static __always_inline void sockaddr_addr(__u8 *out, const __u8 *sa, __u16 family)
{
	if (family == AF_INET)
		__builtin_memcpy(out, sa + 4, 4);	/* sin_addr */
	else
		__builtin_memcpy(out, sa + 8, 16);	/* sin6_addr */
}

static __always_inline bool addr_is(const volatile __u8 *want, __u16 want_family, const __u8 *addr,
				    __u16 family)
{
	int n = family == AF_INET ? 4 : 16;

	if (want_family != family)
		return false;
	for (int i = 0; i < 16; i++)
		if (i < n && want[i] != addr[i])
			return false;
	return true;
}

SEC("tracepoint/tcp/tcp_probe")
int tcprtt_probe(struct trace_event_raw_tcp_probe *ctx)
{
	__u8 sa[28], da[28], laddr[16] = {}, raddr[16] = {};
	struct tcprtt_key key = {};
	__u16 family = ctx->family;
	struct log_hist *h;
	__u32 srtt = ctx->srtt;

	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (cfg.family && family != cfg.family)
		return 0;
	if (cfg.lport && ctx->sport != cfg.lport)
		return 0;
	if (cfg.rport && ctx->dport != cfg.rport)
		return 0;
	/* copies: the verifier refuses loads through a moved context pointer */
	bpf_probe_read_kernel(sa, sizeof(sa), ctx->saddr);
	bpf_probe_read_kernel(da, sizeof(da), ctx->daddr);
	sockaddr_addr(laddr, sa, family);
	sockaddr_addr(raddr, da, family);
	if (cfg.laddr_family && !addr_is(cfg.laddr, cfg.laddr_family, laddr, family))
		return 0;
	if (cfg.raddr_family && !addr_is(cfg.raddr, cfg.raddr_family, raddr, family))
		return 0;
	if (cfg.by) {
		key.family = family;
		__builtin_memcpy(key.addr, cfg.by == 1 ? laddr : raddr, 16);
	}
	h = log_hist_get(&hists, &key, NULL);
	if (!h) {
		count_in(&lost, LOST_HIST);
		return 0;
	}
	log_hist_add(h, cfg.ms ? srtt / 1000 : srtt, (__u64)srtt * 1000);
	return 0;
}
