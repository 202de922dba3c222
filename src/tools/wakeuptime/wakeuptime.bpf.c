/* SPDX-License-Identifier: GPL-2.0 */
/* tsnap wakeuptime and offwaketime: blocked time by the stacks of the thread that woke the
 * blocked one (bcc's wakeuptime and offwaketime, on tracepoints: no kprobe needed).
 *
 * At sched_switch the thread leaving the CPU (prev) gets a start time (wakeuptime: only when
 * it blocks; a preempted thread is never woken). At sched_waking, which runs in the waker's
 * context (sched_wakeup may run on the wakee's CPU, after the waker queued it there), the
 * waker's stacks are taken:
 *   wakeuptime (cfg.offwake 0): the time from start to now goes to the total of (waker
 *     stacks, waker, target) at once;
 *   offwaketime (cfg.offwake 1): the waker is remembered in `wokeby`, and the time from start
 *     to the thread's return to a CPU (sched_switch next) goes to the total of (target stacks,
 *     taken as it left, waker stacks, both threads). A preempted thread has no waker.
 * Totals are kept in ns in a hash map, read once at the end. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/block-filter.bpf.h"
#include "lib/hooks.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/task.bpf.h"

#define TASK_COMM_LEN 16

/* The total's key; declared once more as WAKE_KEY in wakeuptime.ts. Stack ids: -1 when not
 * taken (-U/-K, or wakeuptime's target), negative errnos as bpf_get_stackid returns them. */
struct wake_key {
	__u32 target_tid;
	__u32 target_tgid;
	__u32 waker_tid; /* waker comm "" (ids 0, stack ids -1) when none woke it: preempted */
	__u32 waker_tgid;
	__s32 target_kern_stack_id;
	__s32 target_user_stack_id;
	__s32 waker_kern_stack_id;
	__s32 waker_user_stack_id;
	char target[TASK_COMM_LEN];
	char waker[TASK_COMM_LEN];
};

struct start_val {
	__u64 ts;
	__s32 kern_stack_id;
	__s32 user_stack_id;
};

struct waker_val {
	__u32 tid;
	__u32 tgid;
	__s32 kern_stack_id;
	__s32 user_stack_id;
	char comm[TASK_COMM_LEN];
};

/* Read-only config, set before load (layout: WAKE_CONFIG in wake-stacks.ts). */
struct wake_config {
	struct block_filter f; /* -p/-t/-u/-k/-U/-K/-m/-M/--state (lib/block-filter.bpf.h) */
	__u32 offwake;
	__u32 pad;
};
_Static_assert(sizeof(struct wake_config) == 48, "wake_config size");
_Static_assert(sizeof(struct wake_key) == 64, "wake_key size");

const volatile struct wake_config cfg = { .f = BLOCK_FILTER_DEFAULTS };

STACK_TRACE_MAP(stackmap);

BLOCK_START_MAP(start, struct start_val);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct waker_val);
	__uint(max_entries, 32768);
} wokeby SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct wake_key);
	__type(value, __u64);
	__uint(max_entries, 16384);
} totals SEC(".maps");

/* The current thread's kernel and user stack ids (-1 where -U/-K say not to take one). */
static __always_inline void current_stacks(void *ctx, __s32 *kern, __s32 *user)
{
	*kern = cfg.f.user_stacks_only ? -1 : bpf_get_stackid(ctx, &stackmap, 0);
	*user = cfg.f.kernel_stacks_only ? -1 : bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);
}

static __always_inline int on_switch(void *ctx, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 state = task_state_core(prev);
	__u32 pid;
	struct start_val *s;

	if (block_wanted(&cfg.f, prev, state) && (cfg.offwake || state != 0)) {
		struct start_val v = { .ts = now, .kern_stack_id = -1, .user_stack_id = -1 };

		/* prev is still current: its stacks are where it will resume. */
		if (cfg.offwake)
			current_stacks(ctx, &v.kern_stack_id, &v.user_stack_id);
		pid = BPF_CORE_READ(prev, pid);
		bpf_map_update_elem(&start, &pid, &v, BPF_ANY);
	}
	if (!cfg.offwake)
		return 0;

	pid = BPF_CORE_READ(next, pid);
	s = bpf_map_lookup_elem(&start, &pid);
	if (!s)
		return 0;
	__u64 delta = now - s->ts;
	if (block_in_range(&cfg.f, delta)) {
		struct wake_key k = {};
		struct waker_val *w = bpf_map_lookup_elem(&wokeby, &pid);

		k.target_tid = pid;
		k.target_tgid = BPF_CORE_READ(next, tgid);
		k.target_kern_stack_id = s->kern_stack_id;
		k.target_user_stack_id = s->user_stack_id;
		BPF_CORE_READ_STR_INTO(&k.target, next, comm);
		k.waker_kern_stack_id = -1;
		k.waker_user_stack_id = -1;
		if (w) {
			k.waker_tid = w->tid;
			k.waker_tgid = w->tgid;
			k.waker_kern_stack_id = w->kern_stack_id;
			k.waker_user_stack_id = w->user_stack_id;
			__builtin_memcpy(k.waker, w->comm, sizeof(k.waker));
		}
		count_add(&totals, &k, delta);
	}
	bpf_map_delete_elem(&start, &pid);
	bpf_map_delete_elem(&wokeby, &pid);
	return 0;
}

static __always_inline int on_waking(void *ctx, struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid);
	struct start_val *s = bpf_map_lookup_elem(&start, &pid);
	__u64 id = bpf_get_current_pid_tgid();

	if (!s) /* not a thread we watch, or it blocked before tracing began */
		return 0;
	if (cfg.offwake) {
		struct waker_val w = { .tid = (__u32)id, .tgid = id >> 32 };

		current_stacks(ctx, &w.kern_stack_id, &w.user_stack_id);
		bpf_get_current_comm(&w.comm, sizeof(w.comm));
		bpf_map_update_elem(&wokeby, &pid, &w, BPF_ANY);
		return 0;
	}
	__u64 delta = bpf_ktime_get_ns() - s->ts;
	bpf_map_delete_elem(&start, &pid);
	if (!block_in_range(&cfg.f, delta))
		return 0;
	struct wake_key k = { .target_kern_stack_id = -1, .target_user_stack_id = -1 };

	k.target_tid = pid;
	k.target_tgid = BPF_CORE_READ(p, tgid);
	k.waker_tid = (__u32)id;
	k.waker_tgid = id >> 32;
	current_stacks(ctx, &k.waker_kern_stack_id, &k.waker_user_stack_id);
	BPF_CORE_READ_STR_INTO(&k.target, p, comm);
	bpf_get_current_comm(&k.waker, sizeof(k.waker));
	count_add(&totals, &k, delta);
	return 0;
}

/* tp_btf_* and raw_tp_*: user space loads the pair that probes ok. */
TP_BTF_OR_RAW_TP(sched_switch, wake_switch, bool preempt, struct task_struct *prev,
		 struct task_struct *next)
{
	return on_switch(ctx, prev, next);
}

TP_BTF_OR_RAW_TP(sched_waking, wake_waking, struct task_struct *p)
{
	return on_waking(ctx, p);
}

char LICENSE[] SEC("license") = "GPL";
