// SPDX-License-Identifier: GPL-2.0
/* tsnap slabratetop: kernel slab allocations per cache, counted in the kernel (bcc/
 * libbpf-tools slabratetop). kmem:kmem_cache_alloc carries the cache's name (a
 * __data_loc string on 6.x kernels) and the bytes the object takes (bytes_alloc, the
 * cache's object size, what libbpf-tools reads from kmem_cache->size with a kprobe on
 * kmem_cache_alloc); each allocation adds 1 and those bytes to its cache's row. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (slabratetop-records.ts declares them). */
struct slabratetop_config {
	__u32 tgid;	/* only this process, 0 = every process */
	__u32 pad;
};

struct slabratetop_key {
	char name[32];	/* the cache's name, as /proc/slabinfo's first column */
};

struct slabratetop_value {
	__u64 count;
	__u64 bytes;
};

#define LOST_MAP 0	/* allocations not counted: `caches` was full */

const volatile struct slabratetop_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct slabratetop_key);
	__type(value, struct slabratetop_value);
} caches SEC(".maps");

COUNTER_ARRAY(lost, 1);

SEC("tracepoint/kmem/kmem_cache_alloc")
int slabratetop_alloc(struct trace_event_raw_kmem_cache_alloc *ctx)
{
	struct slabratetop_key key = {};
	struct slabratetop_value zero = {}, *v;

	if (cfg.tgid && (bpf_get_current_pid_tgid() >> 32) != cfg.tgid)
		return 0;
	bpf_probe_read_kernel_str(key.name, sizeof(key.name),
				  (void *)ctx + (ctx->__data_loc_name & 0xffff));
	v = bpf_map_lookup_elem(&caches, &key);
	if (!v) {
		bpf_map_update_elem(&caches, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&caches, &key);
	}
	if (!v) {
		count_in(&lost, LOST_MAP);
		return 0;
	}
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->bytes, ctx->bytes_alloc);
	return 0;
}
