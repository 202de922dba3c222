// SPDX-License-Identifier: GPL-2.0
/* tsnap klockstat: how long tasks wait for contended kernel locks (mutexes, rwsems,
 * spinlocks, rwlocks, percpu rwsems, rt mutexes), counted in the kernel per caller stack,
 * per lock address or per thread (bcc/libbpf-tools klockstat's "Wait" table). The lock
 * code emits lock:contention_begin when an acquire has to wait and lock:contention_end
 * when the wait is over: begin keeps the time and the kernel stack per (thread, lock), end
 * adds the wait to the row's count, total and max. Acquires that did not wait emit
 * nothing, and no tracepoint marks a release, so hold times (the C tool's "Hold" table,
 * from fentry on mutex_unlock/up_*) are not measurable here. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (klockstat-records.ts declares them). */
struct klockstat_config {
	__u64 lock;	/* only this lock address, 0 = every lock */
	__u32 tgid;	/* only this process, 0 = every process */
	__u32 tid;	/* only this thread, 0 = every thread */
	__u8 by;	/* rows by: 0 caller stack, 1 lock address, 2 thread */
	__u8 pad[7];
};

struct klockstat_key {
	__s32 stack_id;	/* by caller: the kernel stack at contention_begin; else 0 */
	__u32 tid;	/* by thread: the thread; else 0 */
	__u64 lock;	/* by lock address: the lock; else 0 */
};

struct klockstat_stat {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
	__u64 max_id;		/* tgid << 32 | tid of the longest wait */
	__u64 max_lock;		/* the lock of the longest wait */
	__u32 flags;		/* LCB_F_* of the waits seen, or'ed (SPIN, READ, WRITE, RT, PERCPU, MUTEX) */
	__u32 pad;
	char max_comm[16];	/* the task of the longest wait (by thread: the thread's) */
};

struct wait_key {
	__u64 lock;
	__u32 tid;
	__u32 pad;
};

struct wait_start {
	__u64 ts;
	__s32 stack_id;
	__u32 flags;
};

#define BY_CALLER 0
#define BY_LOCK 1
#define BY_THREAD 2

#define LOST_START 0	/* waits not timed: `start` was full */
#define LOST_STAT 1	/* waits not counted: `stats` was full */
#define LOST_STACK 2	/* waits counted without a stack: the stack map was full */

const volatile struct klockstat_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct wait_key);
	__type(value, struct wait_start);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct klockstat_key);
	__type(value, struct klockstat_stat);
} stats SEC(".maps");

STACK_TRACE_MAP(stackmap);
COUNTER_ARRAY(lost, 3);

SEC("tracepoint/lock/contention_begin")
int klockstat_begin(struct trace_event_raw_contention_begin *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct wait_key k = { .lock = (__u64)ctx->lock_addr, .tid = (__u32)id };
	struct wait_start s = {};

	if (cfg.tgid && (id >> 32) != cfg.tgid)
		return 0;
	if (cfg.tid && (__u32)id != cfg.tid)
		return 0;
	if (cfg.lock && k.lock != cfg.lock)
		return 0;
	s.ts = bpf_ktime_get_ns();
	s.flags = ctx->flags;
	s.stack_id = cfg.by == BY_CALLER ? bpf_get_stackid(ctx, &stackmap, 0) : 0;
	if (s.stack_id < 0)
		count_in(&lost, LOST_STACK);
	if (bpf_map_update_elem(&start, &k, &s, BPF_ANY))
		count_in(&lost, LOST_START);
	return 0;
}

SEC("tracepoint/lock/contention_end")
int klockstat_end(struct trace_event_raw_contention_end *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct wait_key k = { .lock = (__u64)ctx->lock_addr, .tid = (__u32)id };
	struct klockstat_key key = {};
	struct klockstat_stat zero = {}, *st;
	struct wait_start *s;
	__u64 ns;

	s = bpf_map_lookup_elem(&start, &k);
	if (!s)
		return 0;
	ns = bpf_ktime_get_ns() - s->ts;
	if (cfg.by == BY_CALLER)
		key.stack_id = s->stack_id;
	else if (cfg.by == BY_LOCK)
		key.lock = k.lock;
	else
		key.tid = k.tid;
	st = bpf_map_lookup_elem(&stats, &key);
	if (!st) {
		bpf_map_update_elem(&stats, &key, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&stats, &key);
	}
	if (!st) {
		count_in(&lost, LOST_STAT);
		bpf_map_delete_elem(&start, &k);
		return 0;
	}
	__sync_fetch_and_add(&st->count, 1);
	__sync_fetch_and_add(&st->total_ns, ns);
	st->flags |= s->flags;	/* racy, but only ever adds bits */
	if (ns > st->max_ns) {
		st->max_ns = ns;
		st->max_id = id;
		st->max_lock = k.lock;
		bpf_get_current_comm(st->max_comm, sizeof(st->max_comm));
	}
	bpf_map_delete_elem(&start, &k);
	return 0;
}
