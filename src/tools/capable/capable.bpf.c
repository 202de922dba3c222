// SPDX-License-Identifier: GPL-2.0
/* tsnap capable: every security capability check, allowed or denied (bcc/libbpf-tools
 * capable). libbpf-tools puts a kprobe on cap_capable(); this kernel kind has no kprobes but
 * has the capability:cap_capable tracepoint, which cap_capable() fires with the capability
 * and its verdict. Filters (process, cgroup, repeats per process or cgroup with -u) run
 * here; each check left goes to user space through a ring buffer. The check's options
 * (audit or not, from setid) are not in the tracepoint: user space prints them as "-". */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define UNIQUE_OFF 0
#define UNIQUE_PID 1
#define UNIQUE_CGROUP 2

/* The layouts user space shares (capable-records.ts declares them). */
struct capable_config {
	__u32 tgid;		/* only this process, 0 = every process */
	__u32 self;		/* tsnap's own process: never listed */
	__u8 filter_cg;		/* only tasks under the cgroup in `cgroup_map` */
	__u8 unique;		/* UNIQUE_*: each capability once per process or per cgroup */
	__u8 pad[6];
};

struct capable_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns of the check */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__s32 cap;
	__s32 ret;		/* 0 allowed, else -errno (denied) */
	__u32 pad;
	char comm[16];
};

struct seen_key {
	__u64 id;		/* tgid or cgroup id */
	__s32 cap;
	__u32 pad;
};

const volatile struct capable_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct seen_key);
	__type(value, __u8);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

#define LOST_RING 0	/* checks not reported: the ring buffer was full */

CGROUP_FILTER_MAP(cgroup_map);

SEC("tracepoint/capability/cap_capable")
int capable_check(struct trace_event_raw_cap_capable *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct capable_event *e;
	__u8 one = 1;

	if (tgid == cfg.self)
		return 0;
	if (cfg.tgid && tgid != cfg.tgid)
		return 0;
	if (cfg.filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return 0;
	if (cfg.unique != UNIQUE_OFF) {
		struct seen_key k = { .cap = ctx->cap };

		k.id = cfg.unique == UNIQUE_PID ? tgid : bpf_get_current_cgroup_id();
		if (bpf_map_lookup_elem(&seen, &k))
			return 0;
		bpf_map_update_elem(&seen, &k, &one, BPF_ANY);
	}
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, LOST_RING);
	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->pid = tgid;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->cap = ctx->cap;
	e->ret = ctx->ret;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
