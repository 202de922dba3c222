// SPDX-License-Identifier: GPL-2.0
/* tsnap numamove: NUMA balancing's page migrations and the time they took, counted in the
 * kernel (bcc/libbpf-tools numamove). libbpf-tools times migrate_misplaced_folio with
 * kprobes or fentry; that function migrates through migrate_pages() with the reason
 * MR_NUMA_MISPLACED, which the migrate tracepoints report: mm_migrate_pages_start keeps
 * the time per thread, mm_migrate_pages counts one migration and adds its time. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define C_COUNT 0	/* migrations (migrate_pages() calls for NUMA balancing) */
#define C_NS 1		/* their summed time, ns */
#define C_PAGES 2	/* pages they moved (succeeded) */

COUNTER_ARRAY(counts, 3);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

static __always_inline void add(__u32 slot, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &slot);

	if (v)
		__sync_fetch_and_add(v, n);
}

static __always_inline bool numa_misplaced(int reason)
{
	return reason == bpf_core_enum_value(enum migrate_reason, MR_NUMA_MISPLACED);
}

SEC("tracepoint/migrate/mm_migrate_pages_start")
int numamove_start(struct trace_event_raw_mm_migrate_pages_start *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ts = bpf_ktime_get_ns();

	if (numa_misplaced(ctx->reason))
		bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	return 0;
}

SEC("tracepoint/migrate/mm_migrate_pages")
int numamove_end(struct trace_event_raw_mm_migrate_pages *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *ts;

	if (!numa_misplaced(ctx->reason))
		return 0;
	ts = bpf_map_lookup_elem(&start, &tid);
	if (!ts)
		return 0;
	add(C_COUNT, 1);
	add(C_NS, bpf_ktime_get_ns() - *ts);
	add(C_PAGES, ctx->succeeded);
	bpf_map_delete_elem(&start, &tid);
	return 0;
}
