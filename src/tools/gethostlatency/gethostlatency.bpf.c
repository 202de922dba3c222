// SPDX-License-Identifier: GPL-2.0
/* tsnap gethostlatency: the latency of each host name lookup through libc's
 * getaddrinfo(), gethostbyname() and gethostbyname2() (bcc/libbpf-tools gethostlatency).
 * A uprobe at each function's entry keeps the time and the host name (its first argument)
 * per thread; the uretprobe sends the call's latency through a ring buffer. The attach
 * cookie is the function's index (gethostlatency-records.ts FUNCS). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/syscall-pair.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define HOST_LEN 128

/* The layouts user space shares (gethostlatency-records.ts declares them). */
struct gethostlatency_config {
	__u32 tgid;		/* only this process, 0 = every process */
	__u32 pad;
};

struct gethostlatency_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at the return */
	__u64 lat_ns;
	__u32 pid;
	__u32 tid;
	__u32 func;		/* index in FUNCS */
	__u32 pad;
	char comm[16];
	char host[HOST_LEN];
};

struct lookup_start {
	__u64 ts;
	__u32 func;
	__u32 pad;
	char host[HOST_LEN];
};

const volatile struct gethostlatency_config cfg = {};

/* A call followed from its uprobe to its uretprobe as a syscall is from entry to exit. */
SYSCALL_PAIR_MAPS(struct lookup_start, 256 << 10);

SEC("uprobe")
int gethostlatency_entry(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct lookup_start s = {};

	if (cfg.tgid && (id >> 32) != cfg.tgid)
		return 0;
	s.func = (__u32)bpf_get_attach_cookie(ctx);
	copy_user_str(s.host, sizeof(s.host), (const char *)PT_REGS_PARM1(ctx));
	s.ts = bpf_ktime_get_ns();
	pair_begin(&starts, &s, &lost);
	return 0;
}

SEC("uretprobe")
int gethostlatency_return(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns();
	struct gethostlatency_event *e;
	struct lookup_start *s;
	__u32 tid;

	s = pair_start(&starts, &tid);
	if (!s)
		return 0;	/* entered before attach */
	e = pair_reserve(&events, sizeof(*e), &lost);
	if (e) {
		e->ts = now;
		e->lat_ns = now - s->ts;
		e->pid = id >> 32;
		e->tid = tid;
		e->func = s->func;
		e->pad = 0;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		__builtin_memcpy(e->host, s->host, HOST_LEN);
		bpf_ringbuf_submit(e, 0);
	}
	pair_end(&starts, tid);
	return 0;
}
