/* SPDX-License-Identifier: GPL-2.0 */
/* tsnap offcputime: time threads spend off a CPU, by stack. At sched_switch the thread
 * leaving the CPU (prev) gets a start time and its stacks (taken now, in its context); the
 * thread entering (next) adds now - start to its (thread, stacks) total. Totals are kept
 * in ns in a hash map; user space reads them once at the end (libbpf-tools offcputime).
 * With --unwind dwarf (cfg.dwarf) the leaving thread's user registers and top of stack go
 * to a ring buffer instead (lib/ustack.bpf.h: a pending record stamped with its start
 * time), and its return a small record with the time off CPU; user space unwinds, joins
 * the two by (thread, start time) and sums. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/block-filter.bpf.h"
#include "lib/hooks.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/task.bpf.h"
#include "lib/ustack.bpf.h"

#define TASK_COMM_LEN 16

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
	struct block_filter f; /* -p/-t/-u/-k/-U/-K/-m/-M/--state (lib/block-filter.bpf.h) */
	__u32 ustack_bytes;
	__u32 dwarf;
};
_Static_assert(sizeof(struct offcpu_config) == 48, "offcpu_config size");
_Static_assert(sizeof(struct offcpu_key) == 32, "offcpu_key size");

const volatile struct offcpu_config cfg = { .f = BLOCK_FILTER_DEFAULTS };

STACK_TRACE_MAP(stackmap);

BLOCK_START_MAP(start, struct start_val);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct offcpu_key);
	__type(value, __u64);
	__uint(max_entries, 16384);
} totals SEC(".maps");

/* --unwind dwarf: the records, a scratch record per CPU, records lost (lib/ustack.bpf.h). */
USTACK_DWARF_MAPS();

/* The leaving thread (current) with its user stack, pending until it comes back. */
static __always_inline void pending_dwarf(struct offcpu_key *k, __u64 now)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct ustack_buf *b = bpf_map_lookup_elem(&ustack_scratch, &cpu);
	__u32 n;

	if (!b)
		return;
	n = ustack_fill(b, 0, 0, 0, 0, cfg.ustack_bytes);
	b->h.kind = USTACK_PENDING;
	b->h.tgid = k->tgid;
	b->h.tid = k->pid;
	b->h.kern_stack_id = k->kern_stack_id;
	b->h.value = 0;
	b->h.ts = now;
	__builtin_memcpy(b->h.comm, k->comm, sizeof(b->h.comm));
	if (bpf_ringbuf_output(&ustacks, b, n, BPF_RB_NO_WAKEUP))
		count_in(&ustack_lost, 0);
}

/* Thread `tid`'s pending stack of `ts` was off CPU for `delta` ns. */
static __always_inline void value_dwarf(__u32 tid, __u64 ts, __u64 delta)
{
	struct ustack_rec *r = bpf_ringbuf_reserve(&ustacks, sizeof(*r), 0);

	if (!r) {
		count_in(&ustack_lost, 0);
		return;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->kind = USTACK_VALUE;
	r->tid = tid;
	r->ts = ts;
	r->value = delta;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

static __always_inline int on_switch(void *ctx, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 pid;
	struct start_val *s;

	if (block_wanted(&cfg.f, prev, task_state_core(prev))) {
		struct start_val v = {};

		pid = BPF_CORE_READ(prev, pid);
		v.ts = now;
		v.key.pid = pid;
		v.key.tgid = BPF_CORE_READ(prev, tgid);
		/* prev is still current: the helpers see its stacks and registers. */
		v.key.kern_stack_id = cfg.f.user_stacks_only ? -1 : bpf_get_stackid(ctx, &stackmap, 0);
		v.key.user_stack_id = cfg.f.kernel_stacks_only || cfg.dwarf ? -1
						: bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);
		BPF_CORE_READ_STR_INTO(&v.key.comm, prev, comm);
		bpf_map_update_elem(&start, &pid, &v, BPF_ANY);
		if (cfg.dwarf)
			pending_dwarf(&v.key, now);
	}

	pid = BPF_CORE_READ(next, pid);
	s = bpf_map_lookup_elem(&start, &pid);
	if (!s)
		return 0;
	__u64 delta = now - s->ts;
	if (block_in_range(&cfg.f, delta)) {
		if (cfg.dwarf)
			value_dwarf(pid, s->ts, delta);
		else
			count_add(&totals, &s->key, delta);
	}
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
