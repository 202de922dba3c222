// SPDX-License-Identifier: GPL-2.0
/* tsnap readahead: how many pages readahead brought into the page cache, how many of them
 * were never read, and how long the others waited to be read (bcc/libbpf-tools readahead),
 * from tracepoints instead of fentry/fexit on page_cache_ra_unbounded, filemap_alloc_folio
 * and mark_page_accessed:
 *   - A readahead window: readahead:page_cache_ra_order and page_cache_ra_unbounded say,
 *     before any page is added, which file (device, inode) and which pages [index,
 *     index + size) the calling thread is about to read ahead; windows of one file join.
 *   - A readahead page: a page the same thread adds to that file's cache inside its window
 *     (filemap:mm_filemap_add_to_page_cache; a folio of order n is 2^n pages). Counted in
 *     `total`; its add time is kept per (device, inode, page index) in `birth`.
 *   - A use: the first read of the page. A read(2)-family call's batch of pages is traced
 *     once its pages are in the cache (mm_filemap_get_pages: the batch's first page and
 *     the call's last): the pages from there with an add time are used now (their wait, in
 *     ms, goes to the log2 histogram). A page fault on a file page (mm_filemap_fault, traced
 *     before the page is looked for) uses that page; if readahead adds it for the fault, it
 *     is used at once (0 ms). Fault-around mapping cached pages into the process
 *     (mm_filemap_map_pages) uses them too: the process reads them without faults.
 *   - Unused = total - used. A page evicted before any read stays unused (its birth time is
 *     dropped at mm_filemap_delete_from_page_cache).
 * A batch looks up at most SCAN_MAX pages, and only in files that have readahead pages not
 * used yet (`pending`). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/hist.bpf.h"
#include "lib/maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layout user space shares (readahead-records.ts declares it). */
struct readahead_config {
	__u32 tgid;	/* only this process, 0 = every process */
	__u32 pad;
};

#define C_TOTAL 0	/* readahead pages added */
#define C_USED 1	/* of them, read since */
#define C_AT_ONCE 2	/* of the used, added for the page fault waiting for them */
#define C_EVICTED 3	/* readahead pages removed from the cache before any read */
#define C_LOST 4	/* readahead pages whose add time did not fit in `birth` */
#define MAX_SLOTS 20
#define SCAN_MAX 512

const volatile struct readahead_config cfg = {};

COUNTER_ARRAY(counts, 5);
COUNTER_ARRAY(hist, MAX_SLOTS);

struct file_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

struct page_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
	__u64 index;
};

/* A thread's range of pages of one file: its readahead window, or the read it is in. */
struct page_range {
	__u64 ino;
	__u32 dev;
	__u32 pad;
	__u64 lo;
	__u64 hi;	/* last page, inclusive */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct page_key);
	__type(value, __u64);
} birth SEC(".maps");

/* Readahead pages not yet used nor evicted, per file: reads of other files skip the lookups. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct file_key);
	__type(value, __s64);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct page_range);
} windows SEC(".maps");

/* Per thread: the file page its page fault in progress is for. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct page_key);
} faults SEC(".maps");

static __always_inline bool wanted(void)
{
	return !cfg.tgid || (bpf_get_current_pid_tgid() >> 32) == cfg.tgid;
}

static __always_inline __u32 tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline void add(__u32 slot, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &slot);

	if (v)
		__sync_fetch_and_add(v, n);
}

static __always_inline void pending_add(__u32 dev, __u64 ino, __s64 n)
{
	struct file_key k = { .ino = ino, .dev = dev };
	__s64 *v = bpf_map_lookup_elem(&pending, &k);

	if (v) {
		__sync_fetch_and_add(v, n);
	} else if (n > 0) {
		bpf_map_update_elem(&pending, &k, &n, BPF_NOEXIST);
	}
}

static __always_inline bool has_pending(__u32 dev, __u64 ino)
{
	struct file_key k = { .ino = ino, .dev = dev };
	__s64 *v = bpf_map_lookup_elem(&pending, &k);

	return v && *v > 0;
}

/* n readahead pages read now, after waiting wait_ns: into the histogram. */
static __always_inline void used(__u64 wait_ns, __u64 n)
{
	__u32 slot = hist_log2_slot(wait_ns / 1000000, MAX_SLOTS);
	__u64 *v = bpf_map_lookup_elem(&hist, &slot);

	if (v)
		__sync_fetch_and_add(v, n);
	add(C_USED, n);
}

/* The page's first read, if it is a readahead page not read yet. */
static __always_inline void use_page(struct page_key *k, __u64 now)
{
	__u64 *ts = bpf_map_lookup_elem(&birth, k);

	if (!ts)
		return;
	used(now > *ts ? now - *ts : 0, 1);
	bpf_map_delete_elem(&birth, k);
	pending_add(k->dev, k->ino, -1);
}

/* Joins [lo, hi] of a file to the thread's readahead window (a window of another file is replaced). */
static __always_inline void window(__u32 dev, __u64 ino, __u64 lo, __u64 hi)
{
	__u32 t = tid();
	struct page_range *w = bpf_map_lookup_elem(&windows, &t), n = { .ino = ino, .dev = dev, .lo = lo, .hi = hi };

	if (!wanted() || hi < lo)
		return;
	if (w && w->ino == ino && w->dev == dev) {
		if (lo < w->lo)
			w->lo = lo;
		if (hi > w->hi)
			w->hi = hi;
		return;
	}
	bpf_map_update_elem(&windows, &t, &n, BPF_ANY);
}

SEC("tracepoint/readahead/page_cache_ra_order")
int readahead_ra_order(struct trace_event_raw_page_cache_ra_order *ctx)
{
	window(ctx->s_dev, ctx->i_ino, ctx->index, ctx->index + ctx->size - 1);
	return 0;
}

SEC("tracepoint/readahead/page_cache_ra_unbounded")
int readahead_ra_unbounded(struct trace_event_raw_page_cache_ra_unbounded *ctx)
{
	window(ctx->s_dev, ctx->i_ino, ctx->index, ctx->index + ctx->nr_to_read - 1);
	return 0;
}

SEC("tracepoint/filemap/mm_filemap_add_to_page_cache")
int readahead_add(struct trace_event_raw_mm_filemap_op_page_cache *ctx)
{
	__u32 t = tid();
	struct page_range *w;
	struct page_key *f, k = { .ino = ctx->i_ino, .dev = ctx->s_dev };
	__u64 n = 1ULL << (ctx->order & 15), now, i, faulted = (__u64)-1;

	if (!wanted())
		return 0;
	w = bpf_map_lookup_elem(&windows, &t);
	if (!w || w->ino != ctx->i_ino || w->dev != ctx->s_dev || ctx->index < w->lo || ctx->index > w->hi)
		return 0;
	add(C_TOTAL, n);
	f = bpf_map_lookup_elem(&faults, &t);
	if (f && f->ino == ctx->i_ino && f->dev == ctx->s_dev && f->index >= ctx->index &&
	    f->index < ctx->index + n) {
		/* The page the thread's fault waits for: read as soon as it is up to date. */
		faulted = f->index;
		used(0, 1);
		add(C_AT_ONCE, 1);
	}
	now = bpf_ktime_get_ns();
	for (i = 0; i < n && i < 512; i++) {
		k.index = ctx->index + i;
		if (k.index == faulted)
			continue;
		if (bpf_map_update_elem(&birth, &k, &now, BPF_ANY))
			add(C_LOST, 1);
		else
			pending_add(k.dev, k.ino, 1);
	}
	return 0;
}

struct scan {
	struct page_key k;
	__u64 now;
};

static long scan_one(__u64 i, struct scan *s)
{
	__u64 *ts = bpf_map_lookup_elem(&birth, &s->k);

	if (ts) {
		used(s->now > *ts ? s->now - *ts : 0, 1);
		bpf_map_delete_elem(&birth, &s->k);
		pending_add(s->k.dev, s->k.ino, -1);
	}
	s->k.index++;
	return 0;
}

/* Uses the readahead pages of [index, last] (at most SCAN_MAX from index). */
static __always_inline void use_range(__u32 dev, __u64 ino, __u64 index, __u64 last)
{
	struct scan s = { .k = { .ino = ino, .dev = dev, .index = index } };
	__u64 pages;

	if (last < index || !has_pending(dev, ino))
		return;
	pages = last - index + 1;
	s.now = bpf_ktime_get_ns();
	bpf_loop(pages < SCAN_MAX ? pages : SCAN_MAX, scan_one, &s, 0);
}

/* The end of one batch of a read(2)-family call (the kernel traces it once the batch's
 * pages are in the cache and the first is up to date): the call reads [index, last_index],
 * this batch from `index` on. Every batch looks up to SCAN_MAX pages from its first (a
 * batch holds at most 31 folios), so each page of the call is looked up by the batch that
 * copies it or an earlier one of the same call. */
SEC("tracepoint/filemap/mm_filemap_get_pages")
int readahead_get_pages(struct trace_event_raw_mm_filemap_op_page_cache_range *ctx)
{
	__u32 t = tid();

	if (!wanted())
		return 0;
	bpf_map_delete_elem(&faults, &t);
	use_range(ctx->s_dev, ctx->i_ino, ctx->index, ctx->last_index);
	return 0;
}

/* Fault-around: the cached pages [index, last_index] around a faulting address are mapped
 * into the process, which then reads them without a fault of its own. */
SEC("tracepoint/filemap/mm_filemap_map_pages")
int readahead_map_pages(struct trace_event_raw_mm_filemap_op_page_cache_range *ctx)
{
	if (wanted())
		use_range(ctx->s_dev, ctx->i_ino, ctx->index, ctx->last_index);
	return 0;
}

/* A page fault on a file page (traced before the kernel looks for the page): the page is
 * read now, and if it is not in the cache yet, the readahead around it adds it for this
 * fault (used at once). */
SEC("tracepoint/filemap/mm_filemap_fault")
int readahead_fault(struct trace_event_raw_mm_filemap_fault *ctx)
{
	__u32 t = tid();
	struct page_key k = { .ino = ctx->i_ino, .dev = ctx->s_dev, .index = ctx->index };

	if (!wanted())
		return 0;
	bpf_map_update_elem(&faults, &t, &k, BPF_ANY);
	if (has_pending(k.dev, k.ino))
		use_page(&k, bpf_ktime_get_ns());
	return 0;
}

/* Evicted before any read: stays unused; its add time is dropped (any process evicts). */
SEC("tracepoint/filemap/mm_filemap_delete_from_page_cache")
int readahead_delete(struct trace_event_raw_mm_filemap_op_page_cache *ctx)
{
	struct page_key k = { .ino = ctx->i_ino, .dev = ctx->s_dev, .index = ctx->index };

	if (!has_pending(k.dev, k.ino))
		return 0;
	if (bpf_map_delete_elem(&birth, &k) == 0) {
		add(C_EVICTED, 1);
		pending_add(k.dev, k.ino, -1);
	}
	return 0;
}
