/* SPDX-License-Identifier: GPL-2.0 */
/* TCP/IP socket helpers for the tcp* tools (helpers only: no map, no program).
 *
 *   struct sock_id         a connection's family, addresses (IPv4 in the first 4 bytes)
 *                          and ports in host order; the layout tools/tcp-tool.ts decodes
 *   sock_id_from_tp(&id, ctx)   from sock:inet_sock_set_state's record
 *   sock_id_from_sk(&id, sk)    from a struct sock (CO-RE reads of __sk_common)
 *   sock_of_fd(fd)              the struct sock behind a file descriptor of the current task
 *   tcp_sock_of_fd(fd)          the same when it is a TCP stream socket, else NULL
 *   port_listed(ports, port)    a port in a 0-terminated list of SOCK_MAX_PORTS (0 = none:
 *                               every port)
 */
#ifndef TSNAP_LIB_SOCK_BPF_H
#define TSNAP_LIB_SOCK_BPF_H

#include "fdfile.bpf.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif
#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif

#define SOCK_MAX_PORTS 8

struct sock_id {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u16 pad;
};

static __always_inline void sock_id_from_tp(struct sock_id *id,
					    const struct trace_event_raw_inet_sock_set_state *ctx)
{
	id->family = ctx->family;
	id->sport = ctx->sport;
	id->dport = ctx->dport;
	/* copies: the verifier refuses loads through a moved context pointer */
	if (ctx->family == AF_INET) {
		bpf_probe_read_kernel(id->saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(id->daddr, 4, ctx->daddr);
	} else {
		bpf_probe_read_kernel(id->saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(id->daddr, 16, ctx->daddr_v6);
	}
}

static __always_inline void sock_id_from_sk(struct sock_id *id, struct sock *sk)
{
	id->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	id->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	id->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (id->family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)id->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)id->daddr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)id->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)id->daddr, sk, __sk_common.skc_v6_daddr);
	}
}

/* The socket of fd in the current task's file table, or NULL (not a socket is not
 * checked: callers test the family and protocol they expect). */
static __always_inline struct sock *sock_of_fd(int fd)
{
	struct file *file = file_of_fd(fd);
	struct socket *sock;

	if (!file)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return NULL;
	return BPF_CORE_READ(sock, sk);
}

/* fd's socket when it is a TCP (IPPROTO_TCP, SOCK_STREAM) one, else NULL. */
static __always_inline struct sock *tcp_sock_of_fd(int fd)
{
	struct sock *sk = sock_of_fd(fd);

	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP ||
	    BPF_CORE_READ(sk, sk_type) != 1 /* SOCK_STREAM */)
		return NULL;
	return sk;
}

/* ports: SOCK_MAX_PORTS entries, the first 0 ends the list; an empty list matches all. */
static __always_inline bool port_listed(const volatile __u16 *ports, __u16 port)
{
	if (!ports[0])
		return true;
	for (int i = 0; i < SOCK_MAX_PORTS; i++) {
		if (!ports[i])
			return false;
		if (ports[i] == port)
			return true;
	}
	return false;
}

#endif
