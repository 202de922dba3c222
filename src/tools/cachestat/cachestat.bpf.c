// SPDX-License-Identifier: GPL-2.0
/* tsnap cachestat: page cache accesses, misses and dirtied pages, counted in the kernel
 * (bcc/libbpf-tools cachestat), from tracepoints instead of kprobes on
 * mark_page_accessed, add_to_page_cache_lru and account_page_dirtied:
 *   - accesses: the pages a read asks of the page cache. filemap_get_pages, called for
 *     each batch of a read(2)-family call, reports the range from the batch's first page
 *     to the call's last (mm_filemap_get_pages); consecutive batches of one call overlap,
 *     so each thread counts only the pages past what its previous batch in the same file
 *     covered, and pages past the end of the file are left out (the inode's i_size, read
 *     through BTF). A page fault on a file mapping (mm_filemap_fault) is one access.
 *   - added: pages inserted into the page cache (mm_filemap_add_to_page_cache; a folio of
 *     order n is 2^n pages): a read's misses and its readahead, and new pages of writes.
 *   - dirtied: pages turned dirty (writeback_dirty_folio).
 *   - removed: pages taken out of the page cache (mm_filemap_delete_from_page_cache).
 * User space derives libbpf-tools' columns: misses = added - dirtied (a write's new page
 * is no read miss), hits = accesses - misses. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/hooks.bpf.h"
#include "lib/maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layout user space shares (cachestat-records.ts declares it). */
struct cachestat_config {
	__u32 tgid;	/* only this process, 0 = every process */
	__u32 pad;
};

#define C_ACCESSED 0
#define C_ADDED 1
#define C_DIRTIED 2
#define C_REMOVED 3
#define PAGE_SHIFT_4K 12

const volatile struct cachestat_config cfg = {};

COUNTER_ARRAY(counts, 4);

/* Per thread: its last read batch (one read call's batches share the file and the call's
 * end page, and their first pages go up). */
struct last_read {
	__u64 mapping;
	__u64 end;	/* mm_filemap_get_pages' last_index: the call's last page */
	__u64 index;	/* the batch's first page */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct last_read);
} reads SEC(".maps");

static __always_inline bool wanted(void)
{
	return !cfg.tgid || (bpf_get_current_pid_tgid() >> 32) == cfg.tgid;
}

static __always_inline void add(__u32 slot, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &slot);

	if (v)
		__sync_fetch_and_add(v, n);
}

TP_BTF_OR_RAW_TP(mm_filemap_get_pages, cachestat_get_pages, struct address_space *mapping,
		 unsigned long index, unsigned long last_index)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct last_read *r, now = { .mapping = (__u64)mapping, .end = last_index, .index = index };
	__s64 size;
	__u64 eof, last = last_index;

	if (!wanted())
		return 0;
	r = bpf_map_lookup_elem(&reads, &tid);
	if (r && r->mapping == now.mapping && r->end == now.end && index > r->index) {
		r->index = index;	/* a later batch of the same call: its pages are counted */
		return 0;
	}
	bpf_map_update_elem(&reads, &tid, &now, BPF_ANY);
	size = BPF_CORE_READ(mapping, host, i_size);
	if (size <= 0)
		return 0;
	eof = ((__u64)size - 1) >> PAGE_SHIFT_4K;
	if (last > eof)
		last = eof;
	if (index <= last)
		add(C_ACCESSED, last - index + 1);
	return 0;
}

SEC("tracepoint/filemap/mm_filemap_fault")
int cachestat_fault(void *ctx)
{
	if (wanted())
		add(C_ACCESSED, 1);
	return 0;
}

SEC("tracepoint/filemap/mm_filemap_add_to_page_cache")
int cachestat_add(struct trace_event_raw_mm_filemap_op_page_cache *ctx)
{
	if (wanted())
		add(C_ADDED, 1ULL << (ctx->order & 31));
	return 0;
}

SEC("tracepoint/filemap/mm_filemap_delete_from_page_cache")
int cachestat_delete(struct trace_event_raw_mm_filemap_op_page_cache *ctx)
{
	if (wanted())
		add(C_REMOVED, 1ULL << (ctx->order & 31));
	return 0;
}

SEC("tracepoint/writeback/writeback_dirty_folio")
int cachestat_dirty(void *ctx)
{
	if (wanted())
		add(C_DIRTIED, 1);
	return 0;
}
