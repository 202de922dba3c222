// SPDX-License-Identifier: GPL-2.0
/* Feature probes for `tsnap doctor` and the sources: one tiny program per program type
 * and attach point tsnap uses. User space loads and attaches them one at a time (all
 * others disabled before load), so each answer is a real load + attach in this kernel. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} probe_storage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} probe_ringbuf SEC(".maps");

__u64 hits;

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_tp_btf, struct pt_regs *regs, long id)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(probe_raw_tp, struct pt_regs *regs, long id)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("tracepoint/sched/sched_switch")
int probe_tracepoint(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(probe_block_rq, struct request *rq)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(probe_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("kprobe/do_nanosleep")
int BPF_KPROBE(probe_kprobe)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("fentry/do_nanosleep")
int BPF_PROG(probe_fentry)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("perf_event")
int probe_perf_event(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(probe_uprobe)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("iter/task")
int probe_task_iter(struct bpf_iter__task *ctx)
{
	if (ctx->task)
		__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("iter.s/task")
int probe_task_iter_sleepable(struct bpf_iter__task *ctx)
{
	if (ctx->task)
		__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_task_storage, struct pt_regs *regs, long id)
{
	__u64 *v = bpf_task_storage_get(&probe_storage, bpf_get_current_task_btf(), 0,
					BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v)
		(*v)++;
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_ringbuf_prog, struct pt_regs *regs, long id)
{
	__u64 *e = bpf_ringbuf_reserve(&probe_ringbuf, sizeof(*e), 0);

	if (e) {
		*e = id;
		bpf_ringbuf_discard(e, 0);
	}
	return 0;
}

SEC("iter/task")
int probe_task_stack(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	__u64 buf[8];

	if (task)
		bpf_get_task_stack(task, buf, sizeof(buf), 0);
	return 0;
}

/* The open-coded task iterator (kfuncs, 6.7+) in a perf_event program: what the sampler's
 * in-kernel clock needs. */
extern int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task,
			     unsigned int flags) __weak __ksym;
extern struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __weak __ksym;
extern void bpf_iter_task_destroy(struct bpf_iter_task *it) __weak __ksym;

SEC("perf_event")
int probe_task_iter_open(void *ctx)
{
	struct bpf_iter_task it;

	bpf_iter_task_new(&it, 0, BPF_TASK_ITER_ALL_THREADS);
	if (bpf_iter_task_next(&it))
		__sync_fetch_and_add(&hits, 1);
	bpf_iter_task_destroy(&it);
	return 0;
}
