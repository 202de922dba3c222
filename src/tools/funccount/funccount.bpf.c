// SPDX-License-Identifier: GPL-2.0
/* tsnap funccount: calls of functions (uprobes) and hits of tracepoints, counted in the
 * kernel (bcc funccount). One program per probe type, attached once per probe; the attach
 * cookie is the probe's index in user space's list (probe-attach.ts) and the slot of the
 * `counts` array (sized to the number of probes before load). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* Layout: CONFIG in funccount-load.ts. */
struct funccount_config {
	__u32 filter_pid;	/* tgid to count, 0 = every process */
	__u32 pad;
};

const volatile struct funccount_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* one slot per probe, set before load */
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline int count_hit(void *ctx)
{
	__u32 id;
	__u64 *v;

	if (cfg.filter_pid && (bpf_get_current_pid_tgid() >> 32) != cfg.filter_pid)
		return 0;
	id = (__u32)bpf_get_attach_cookie(ctx);
	v = bpf_map_lookup_elem(&counts, &id);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

SEC("uprobe")
int funccount_uprobe(struct pt_regs *ctx)
{
	return count_hit(ctx);
}

SEC("tracepoint")
int funccount_tracepoint(void *ctx)
{
	return count_hit(ctx);
}
