/* SPDX-License-Identifier: GPL-2.0 */
/* tsnap offcputime: time threads spend off a CPU, by stack. At sched_switch the thread
 * leaving the CPU (prev) gets a start time and its stacks (taken now, in its context); the
 * thread entering (next) adds now - start to its (thread, stacks) total. Totals are kept
 * in ns in a hash map; user space reads them once at the end (libbpf-tools offcputime). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/hooks.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/task.bpf.h"

#define TASK_COMM_LEN 16
#define PF_KTHREAD 0x00200000

/* The total's key; the layout is declared once more as OFFCPU_KEY in offcputime.ts. */
struct offcpu_key {
	__u32 pid;  /* thread id */
	__u32 tgid; /* process id */
	__s32 user_stack_id;
	__s32 kern_stack_id;
	char comm[TASK_COMM_LEN];
};

struct start_val {
	__u64 ts;
	struct offcpu_key key;
};

/* Read-only config, set before load (layout: OFFCPU_CONFIG in offcputime.ts). */
struct offcpu_config {
	__s32 targ_tgid;
	__s32 targ_pid;
	__u8 user_threads_only;
	__u8 kernel_threads_only;
	__u8 user_stacks_only;
	__u8 kernel_stacks_only;
	__s64 state;
	__u64 min_block_ns;
	__u64 max_block_ns;
};
_Static_assert(sizeof(struct offcpu_config) == 40, "offcpu_config size");
_Static_assert(sizeof(struct offcpu_key) == 32, "offcpu_key size");

const volatile struct offcpu_config cfg = {
	.targ_tgid = -1, .targ_pid = -1, .state = -1, .min_block_ns = 1, .max_block_ns = ~0ULL,
};

STACK_TRACE_MAP(stackmap);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct start_val);
	__uint(max_entries, 32768);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct offcpu_key);
	__type(value, __u64);
	__uint(max_entries, 16384);
} totals SEC(".maps");

static __always_inline int wanted(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);
	__u32 pid = BPF_CORE_READ(t, pid);
	__u32 flags = BPF_CORE_READ(t, flags);

	if (pid == 0) /* the idle task */
		return 0;
	if (cfg.targ_tgid >= 0 && tgid != (__u32)cfg.targ_tgid)
		return 0;
	if (cfg.targ_pid >= 0 && pid != (__u32)cfg.targ_pid)
		return 0;
	if (cfg.user_threads_only && (flags & PF_KTHREAD))
		return 0;
	if (cfg.kernel_threads_only && !(flags & PF_KTHREAD))
		return 0;
	if (cfg.state != -1 && (long)task_state_core(t) != cfg.state)
		return 0;
	return 1;
}

static __always_inline int on_switch(void *ctx, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 pid;
	struct start_val *s;

	if (wanted(prev)) {
		struct start_val v = {};

		pid = BPF_CORE_READ(prev, pid);
		v.ts = now;
		v.key.pid = pid;
		v.key.tgid = BPF_CORE_READ(prev, tgid);
		/* prev is still current: the helpers see its stacks and registers. */
		v.key.kern_stack_id = cfg.user_stacks_only ? -1 : bpf_get_stackid(ctx, &stackmap, 0);
		v.key.user_stack_id = cfg.kernel_stacks_only ? -1 : bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);
		BPF_CORE_READ_STR_INTO(&v.key.comm, prev, comm);
		bpf_map_update_elem(&start, &pid, &v, BPF_ANY);
	}

	pid = BPF_CORE_READ(next, pid);
	s = bpf_map_lookup_elem(&start, &pid);
	if (!s)
		return 0;
	__u64 delta = now - s->ts;
	if (delta >= cfg.min_block_ns && delta <= cfg.max_block_ns)
		count_add(&totals, &s->key, delta);
	bpf_map_delete_elem(&start, &pid);
	return 0;
}

/* tp_btf_sched_switch and raw_tp_sched_switch: user space loads the one that probes ok. */
TP_BTF_OR_RAW_TP(sched_switch, sched_switch, bool preempt, struct task_struct *prev,
		 struct task_struct *next)
{
	return on_switch(ctx, prev, next);
}

char LICENSE[] SEC("license") = "GPL";
