// Test witness: the plainest task iterator, no filter of any kind: writes the tid of every
// task the kernel's iter/task visits (u32 each) and, first, whether bpf_task_from_pid(1)
// finds PID 1. Tells a test what any BPF program can see on this kernel, independently of
// tsnap's sampler (src/testkit/bpf-witness.ts compiles and runs it).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

SEC("iter/task")
int list_tasks(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *t = ctx->task;
	__u32 v;

	if (ctx->meta->seq_num == 0) {
		struct task_struct *init = bpf_task_from_pid(1);

		v = init ? 1 : 0;
		if (init)
			bpf_task_release(init);
		bpf_seq_write(seq, &v, sizeof(v));
	}
	if (!t)
		return 0;
	v = t->pid;
	bpf_seq_write(seq, &v, sizeof(v));
	return 0;
}
