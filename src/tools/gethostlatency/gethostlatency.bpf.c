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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct lookup_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} events SEC(".maps");

COUNTER_ARRAY(lost, 2);

#define LOST_RING 0
#define LOST_START 1

SEC("uprobe")
int gethostlatency_entry(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct lookup_start s = {};

	if (cfg.tgid && (id >> 32) != cfg.tgid)
		return 0;
	s.func = (__u32)bpf_get_attach_cookie(ctx);
	if (bpf_probe_read_user_str(s.host, sizeof(s.host), (const char *)PT_REGS_PARM1(ctx)) < 0)
		s.host[0] = 0;
	s.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&starts, &tid, &s, BPF_ANY))
		count_in(&lost, LOST_START);
	return 0;
}

SEC("uretprobe")
int gethostlatency_return(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns();
	__u32 tid = (__u32)id;
	struct gethostlatency_event *e;
	struct lookup_start *s;

	s = bpf_map_lookup_elem(&starts, &tid);
	if (!s)
		return 0;	/* entered before attach */
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, LOST_RING);
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
	bpf_map_delete_elem(&starts, &tid);
	return 0;
}
