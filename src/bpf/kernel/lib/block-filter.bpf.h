/* SPDX-License-Identifier: GPL-2.0 */
/* What the tools that time blocked threads share (offcputime, wakeuptime, offwaketime;
 * bcc's -p/-t/-u/-k/-U/-K/-m/-M/--state): the first member of their read-only config, the
 * filter of a thread leaving a CPU, the block-time bound, and the thread id → start map.
 * Helpers only: the includer declares its config and maps (block-flags.ts declares the
 * same layout once for user space: BLOCK_FILTER_FIELDS, written by blockFilterBytes).
 *
 *   struct my_config { struct block_filter f; ...the tool's own fields... };
 *   BLOCK_START_MAP(start, struct my_start);      thread id → the tool's start record
 *   block_wanted(&cfg.f, task, state)             1 when the thread passes -p/-t/-u/-k/--state
 *   block_in_range(&cfg.f, delta_ns)              1 when -m <= delta <= -M
 */
#ifndef TSNAP_LIB_BLOCK_FILTER_BPF_H
#define TSNAP_LIB_BLOCK_FILTER_BPF_H

#ifndef PF_KTHREAD
#define PF_KTHREAD 0x00200000
#endif

struct block_filter {
	__s32 targ_tgid;	/* only this process, -1 = every process */
	__s32 targ_pid;		/* only this thread, -1 = every thread */
	__u8 user_threads_only;
	__u8 kernel_threads_only;
	__u8 user_stacks_only;
	__u8 kernel_stacks_only;
	__s64 state;		/* only threads leaving in this __state, -1 = any */
	__u64 min_block_ns;
	__u64 max_block_ns;
};
_Static_assert(sizeof(struct block_filter) == 40, "block_filter size");

/* The config's defaults before user space sets it: every thread, any block time. */
#define BLOCK_FILTER_DEFAULTS \
	{ .targ_tgid = -1, .targ_pid = -1, .state = -1, .min_block_ns = 1, .max_block_ns = ~0ULL }

#define BLOCK_START_MAP(name, value_type)              \
	struct {                                       \
		__uint(type, BPF_MAP_TYPE_HASH);       \
		__type(key, __u32);                    \
		__type(value, value_type);             \
		__uint(max_entries, 32768);            \
	} name SEC(".maps")

/* Whether thread `t`, leaving a CPU in `state`, is one the filter asks for (never idle). */
static __always_inline int block_wanted(const volatile struct block_filter *f, struct task_struct *t,
					__u32 state)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);
	__u32 pid = BPF_CORE_READ(t, pid);
	__u32 flags = BPF_CORE_READ(t, flags);

	if (pid == 0) /* the idle task */
		return 0;
	if (f->targ_tgid >= 0 && tgid != (__u32)f->targ_tgid)
		return 0;
	if (f->targ_pid >= 0 && pid != (__u32)f->targ_pid)
		return 0;
	if (f->user_threads_only && (flags & PF_KTHREAD))
		return 0;
	if (f->kernel_threads_only && !(flags & PF_KTHREAD))
		return 0;
	if (f->state != -1 && (long)state != f->state)
		return 0;
	return 1;
}

/* Whether a block of `delta` ns is within -m/-M. */
static __always_inline int block_in_range(const volatile struct block_filter *f, __u64 delta)
{
	return delta >= f->min_block_ns && delta <= f->max_block_ns;
}

#endif
