/* SPDX-License-Identifier: GPL-2.0 */
/* tsnap stackcount: the stacks that lead to calls of user functions (uprobes) or hits of
 * tracepoints, counted in the kernel (bcc stackcount). Counts per (process, comm, kernel
 * stack id, user stack id) in a hash map, the stacks in a STACK_TRACE map, read once at
 * the end (profile.bpf.c's design). A uprobe's kernel stack is the trap that ran it, so
 * uprobes count user stacks only (their kernel stack id is -EFAULT: none). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/ustack.bpf.h"

#define TASK_COMM_LEN 16

/* The count key; declared once more as STACKCOUNT_KEY in stackcount.ts. */
struct stackcount_key {
	__u32 pid;
	__s32 user_stack_id;
	__s32 kern_stack_id;
	char comm[TASK_COMM_LEN];
};

/* Read-only config (STACKCOUNT_CONFIG in stackcount.ts). */
struct stackcount_config {
	__u32 filter_pid;	/* tgid, 0 = every process */
	__u8 user_stacks_only;
	__u8 kernel_stacks_only;
	__u8 pad[2];
};
_Static_assert(sizeof(struct stackcount_config) == 8, "stackcount_config size");
_Static_assert(sizeof(struct stackcount_key) == 28, "stackcount_key size");

const volatile struct stackcount_config cfg = {};

STACK_TRACE_MAP(stackmap);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct stackcount_key);
	__type(value, __u64);
	__uint(max_entries, 16384);
} counts SEC(".maps");

/* stack-tool.ts sizes these (--unwind dwarf is not offered here: they stay one page). */
USTACK_DWARF_MAPS();

static __always_inline int count_stack(void *ctx, int kernel)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct stackcount_key key = {};

	if (cfg.filter_pid && (id >> 32) != cfg.filter_pid)
		return 0;
	key.pid = id >> 32;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	/* -EFAULT: no such stack (a uprobe's), not one the map missed (stack-tool.ts) */
	key.kern_stack_id = !kernel ? -14 : cfg.user_stacks_only ? -1 : bpf_get_stackid(ctx, &stackmap, 0);
	key.user_stack_id = cfg.kernel_stacks_only ? -1 : bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);
	count_add(&counts, &key, 1);
	return 0;
}

SEC("uprobe")
int stackcount_uprobe(struct pt_regs *ctx)
{
	return count_stack(ctx, 0);
}

SEC("tracepoint")
int stackcount_tracepoint(void *ctx)
{
	return count_stack(ctx, 1);
}

char LICENSE[] SEC("license") = "GPL";
