// SPDX-License-Identifier: GPL-2.0
/* tsnap biopattern: random and sequential block I/O per disk, counted in the kernel
 * (bcc/libbpf-tools biopattern). On block_rq_complete a request that starts where the
 * disk's previous one ended is sequential, any other random; its bytes are added, and the
 * disk's next expected sector noted. Counters only grow: user space reports differences.
 * The hook is a tp_btf/raw_tp pair (lib/hooks.bpf.h): user space loads the one the kernel
 * supports. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/blk.bpf.h"
#include "lib/hooks.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (biopattern-records.ts declares them). */
struct biopattern_config {
	__u32 dev;	/* only this disk (MKDEV(major, minor) as the kernel's dev_t), 0 = every disk */
};

struct biopattern_counter {
	__u64 last_sector;	/* where the disk's previous request ended, 0 before the first */
	__u64 sequential;
	__u64 random;
	__u64 bytes;		/* of the requests counted (the first of each disk is not) */
};

const volatile struct biopattern_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct biopattern_counter);
} counters SEC(".maps");

TP_BTF_OR_RAW_TP(block_rq_complete, biopattern_complete, struct request *rq, blk_status_t error,
		 unsigned int nr_bytes)
{
	struct biopattern_counter *c, zero = {};
	__u32 dev = rq_dev(rq);
	__u64 sector = BPF_CORE_READ(rq, __sector);

	if (cfg.dev && dev != cfg.dev)
		return 0;
	c = bpf_map_lookup_elem(&counters, &dev);
	if (!c) {
		bpf_map_update_elem(&counters, &dev, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&counters, &dev);
		if (!c)
			return 0;
	}
	if (c->last_sector) {
		if (c->last_sector == sector)
			__sync_fetch_and_add(&c->sequential, 1);
		else
			__sync_fetch_and_add(&c->random, 1);
		__sync_fetch_and_add(&c->bytes, nr_bytes);
	}
	c->last_sector = sector + (nr_bytes >> 9);
	return 0;
}
