/* SPDX-License-Identifier: GPL-2.0 */
/* tsnap memleak: allocations not yet freed, with the stack that made them (bcc memleak,
 * libbpf-tools memleak). User mode: uprobes at the entry and uretprobes at the return of
 * libc's allocators (malloc, calloc, realloc, posix_memalign, aligned_alloc, valloc,
 * memalign, pvalloc, mmap) and uprobes on free and munmap, for one process. Kernel mode:
 * the kmem and percpu tracepoints. Each allocation is kept by address in `allocs` (size,
 * time, stack id) and summed per stack in `combined_allocs`; a free forgets it. User space
 * reads the maps at each report (memleak-load.ts). The size asked at the entry is kept per
 * thread until the return gives the address; the attach cookie names the allocator. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Read-only config (MEMLEAK_CONFIG in memleak-records.ts). */
struct memleak_config {
	__u64 min_size;		/* -z: sizes below are not followed */
	__u64 max_size;		/* -Z: sizes above are not followed */
	__u64 page_size;	/* mm_page_alloc: pages of 2^order of this size */
	__u64 sample_rate;	/* -s: one allocation in N (by the clock's ns) */
	__u32 tgid;		/* user mode: only this process (0 = any) */
	__u8 kernel;		/* kernel stacks (kernel mode) instead of user stacks */
	__u8 trace_all;		/* -t: every call as a ring record */
	__u8 wait_exec;		/* -c: nothing counts until tgid has exec'd the command */
	__u8 pad;
};

/* An outstanding allocation (MEMLEAK_ALLOC). */
struct alloc_info {
	__u64 size;
	__u64 timestamp_ns;	/* CLOCK_MONOTONIC */
	__s32 stack_id;
	__u32 pad;
};

/* The sums of one stack (MEMLEAK_COMBINED). */
struct combined_alloc_info {
	__u64 total_size;
	__u64 number_of_allocs;
};

/* -t: one call (MEMLEAK_EVENT). */
struct memleak_event {
	__u64 ts;
	__u64 addr;
	__u64 size;
	__u32 pid;
	__u32 tid;
	__u32 kind;		/* 0 alloc, 1 free */
	__s32 stack_id;
};

_Static_assert(sizeof(struct memleak_config) == 40, "memleak_config size");
_Static_assert(sizeof(struct alloc_info) == 24, "alloc_info size");
_Static_assert(sizeof(struct memleak_event) == 40, "memleak_event size");

const volatile struct memleak_config cfg = {};

/* Set by memleak_exec when the -c process has exec'd its command. */
__u32 exec_seen = 0;

STACK_TRACE_MAP(stackmap);

/* The size asked, per thread, from an allocator's entry to its return. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} sizes SEC(".maps");

/* posix_memalign's memptr, per thread, from its entry to its return. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} memptrs SEC(".maps");

/* address → allocation; user space sizes it (memleak-load.ts). Not preallocated: up to
 * a million entries (bcc's size) cost memory only as allocations are outstanding. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20);
	__type(key, __u64);
	__type(value, struct alloc_info);
} allocs SEC(".maps");

/* stack id → sums (--combined-only reads this one). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct combined_alloc_info);
} combined_allocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* lost[0]: -t records the ring could not take; [1]: allocations `allocs` could not keep. */
COUNTER_ARRAY(lost, 2);

static __always_inline int counting(void)
{
	if (cfg.wait_exec && !exec_seen)
		return 0;
	return !cfg.tgid || (bpf_get_current_pid_tgid() >> 32) == cfg.tgid;
}

static __always_inline void trace_call(__u32 kind, __u64 addr, __u64 size, __s32 stack_id)
{
	struct memleak_event *e;
	__u64 id;

	if (!cfg.trace_all)
		return;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	if (!e)
		return;
	id = bpf_get_current_pid_tgid();
	e->ts = bpf_ktime_get_ns();
	e->addr = addr;
	e->size = size;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->kind = kind;
	e->stack_id = stack_id;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void combine(__s32 stack_id, __u64 size, int add)
{
	__u64 key = (__u64)stack_id;
	struct combined_alloc_info *c = bpf_map_lookup_elem(&combined_allocs, &key);

	if (!c) {
		struct combined_alloc_info zero = {};

		if (!add)
			return;
		bpf_map_update_elem(&combined_allocs, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&combined_allocs, &key);
		if (!c)
			return;
	}
	if (add) {
		__sync_fetch_and_add(&c->total_size, size);
		__sync_fetch_and_add(&c->number_of_allocs, 1);
	} else {
		__sync_fetch_and_sub(&c->total_size, size);
		__sync_fetch_and_sub(&c->number_of_allocs, 1);
	}
}

/* An allocation of `size` within -z/-Z, and the one in -s's N taken (by the clock's ns). */
static __always_inline bool wanted(__u64 size)
{
	if (size < cfg.min_size || size > cfg.max_size)
		return false;
	return cfg.sample_rate <= 1 || bpf_ktime_get_ns() % cfg.sample_rate == 0;
}

static __always_inline int alloc_enter(__u64 size)
{
	__u32 tid;

	if (!counting() || !wanted(size))
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&sizes, &tid, &size, BPF_ANY);
	return 0;
}

/* Records an allocation of `size` at `addr` made in this context (its stack). */
static __always_inline void alloc_record(void *ctx, __u64 addr, __u64 size)
{
	struct alloc_info info = {};

	info.size = size;
	info.timestamp_ns = bpf_ktime_get_ns();
	info.stack_id = bpf_get_stackid(ctx, &stackmap, cfg.kernel ? 0 : BPF_F_USER_STACK);
	if (bpf_map_update_elem(&allocs, &addr, &info, BPF_ANY)) {
		count_in(&lost, 1);
		return;
	}
	combine(info.stack_id, size, 1);
	trace_call(0, addr, size, info.stack_id);
}

static __always_inline int alloc_exit(void *ctx, __u64 addr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *size = bpf_map_lookup_elem(&sizes, &tid);
	__u64 sz;

	if (!size)
		return 0;	/* not followed (filtered, or entered before attach) */
	sz = *size;
	bpf_map_delete_elem(&sizes, &tid);
	if (addr != 0 && addr != (__u64)-1)	/* NULL, MAP_FAILED */
		alloc_record(ctx, addr, sz);
	return 0;
}

static __always_inline int free_enter(__u64 addr)
{
	struct alloc_info *info;
	__u64 size;
	__s32 stack_id;

	if (!counting())
		return 0;
	info = bpf_map_lookup_elem(&allocs, &addr);
	if (!info)
		return 0;	/* not ours: made before attach, filtered, or not sampled */
	size = info->size;
	stack_id = info->stack_id;
	if (bpf_map_delete_elem(&allocs, &addr))
		return 0;	/* another CPU freed it first */
	combine(stack_id, size, 0);
	trace_call(1, addr, size, stack_id);
	return 0;
}

/* The attach cookie of each allocator's entry (memleak-records.ts ALLOCATORS). */
enum { MALLOC, CALLOC, REALLOC, POSIX_MEMALIGN, ALIGNED_ALLOC, VALLOC, MEMALIGN, PVALLOC, MMAP };

SEC("uprobe")
int memleak_alloc_enter(struct pt_regs *ctx)
{
	__u64 fn = bpf_get_attach_cookie(ctx);
	__u64 a0 = PT_REGS_PARM1(ctx), a1 = PT_REGS_PARM2(ctx), a2 = PT_REGS_PARM3(ctx);
	__u32 tid;

	switch (fn) {
	case MALLOC:
	case VALLOC:
		return alloc_enter(a0);
	case CALLOC:
		return alloc_enter(a0 * a1);
	case REALLOC:
		/* The old block is freed (or kept and followed again at the return). */
		if (a0)
			free_enter(a0);
		return alloc_enter(a1);
	case POSIX_MEMALIGN:
		tid = (__u32)bpf_get_current_pid_tgid();
		bpf_map_update_elem(&memptrs, &tid, &a0, BPF_ANY);
		return alloc_enter(a2);
	case ALIGNED_ALLOC:
	case MEMALIGN:
		return alloc_enter(a1);
	case PVALLOC:
		return alloc_enter(a0 ? (a0 + cfg.page_size - 1) / cfg.page_size * cfg.page_size
				      : cfg.page_size);
	case MMAP:
		return alloc_enter(a1);
	}
	return 0;
}

SEC("uretprobe")
int memleak_alloc_exit(struct pt_regs *ctx)
{
	__u64 fn = bpf_get_attach_cookie(ctx), ret = PT_REGS_RC(ctx), addr = 0, *memptr;
	__u32 tid;

	if (fn != POSIX_MEMALIGN)
		return alloc_exit(ctx, ret);
	tid = (__u32)bpf_get_current_pid_tgid();
	memptr = bpf_map_lookup_elem(&memptrs, &tid);
	if (!memptr)
		return 0;
	if (ret == 0)	/* success: the address is in *memptr */
		bpf_probe_read_user(&addr, sizeof(addr), (void *)*memptr);
	bpf_map_delete_elem(&memptrs, &tid);
	return alloc_exit(ctx, addr);
}

/* free and munmap: the address is the first argument. */
SEC("uprobe")
int memleak_free_enter(struct pt_regs *ctx)
{
	return free_enter(PT_REGS_PARM1(ctx));
}

/* -c: counting starts once the command's process has exec'd (not the shell that waits). */
SEC("tracepoint/sched/sched_process_exec")
int memleak_exec(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) == cfg.tgid)
		exec_seen = 1;
	return 0;
}

/* Kernel mode (as bcc and libbpf-tools): the allocation tracepoints. */
SEC("tracepoint/kmem/kmalloc")
int memleak_kmalloc(struct trace_event_raw_kmalloc *ctx)
{
	__u64 size = ctx->bytes_alloc;

	if (!wanted(size))
		return 0;
	alloc_record(ctx, (__u64)ctx->ptr, size);
	return 0;
}

SEC("tracepoint/kmem/kmem_cache_alloc")
int memleak_cache_alloc(struct trace_event_raw_kmem_cache_alloc *ctx)
{
	__u64 size = ctx->bytes_alloc;

	if (!wanted(size))
		return 0;
	alloc_record(ctx, (__u64)ctx->ptr, size);
	return 0;
}

SEC("tracepoint/kmem/kfree")
int memleak_kfree(struct trace_event_raw_kfree *ctx)
{
	return free_enter((__u64)ctx->ptr);
}

SEC("tracepoint/kmem/kmem_cache_free")
int memleak_cache_free(struct trace_event_raw_kmem_cache_free *ctx)
{
	return free_enter((__u64)ctx->ptr);
}

/* Pages are kept by page frame number (bcc's key too: no kernel address is that small). */
SEC("tracepoint/kmem/mm_page_alloc")
int memleak_page_alloc(struct trace_event_raw_mm_page_alloc *ctx)
{
	__u64 size = cfg.page_size << ctx->order;

	if (!wanted(size))
		return 0;
	alloc_record(ctx, ctx->pfn, size);
	return 0;
}

SEC("tracepoint/kmem/mm_page_free")
int memleak_page_free(struct trace_event_raw_mm_page_free *ctx)
{
	return free_enter(ctx->pfn);
}

SEC("tracepoint/percpu/percpu_alloc_percpu")
int memleak_percpu_alloc(struct trace_event_raw_percpu_alloc_percpu *ctx)
{
	__u64 size = ctx->bytes_alloc;

	if (size < cfg.min_size || size > cfg.max_size)
		return 0;
	alloc_record(ctx, (__u64)ctx->ptr, size);
	return 0;
}

SEC("tracepoint/percpu/percpu_free_percpu")
int memleak_percpu_free(struct trace_event_raw_percpu_free_percpu *ctx)
{
	return free_enter((__u64)ctx->ptr);
}
