/* SPDX-License-Identifier: GPL-2.0 */
/* tsnap profile: on-CPU stack sampling. A perf_event program runs at every cpu-clock tick
 * on every CPU; it counts (process, thread name, kernel stack id, user stack id) in a hash
 * map, the stacks themselves in a STACK_TRACE map. User space reads both once at the end
 * (bcc/libbpf-tools profile's design: counting in the kernel, no event per sample). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"

#define TASK_COMM_LEN 16

/* The count key; the layout is declared once more as PROFILE_KEY in profile.ts. */
struct profile_key {
	__u32 pid;
	__s32 user_stack_id;
	__s32 kern_stack_id;
	char comm[TASK_COMM_LEN];
};

/* Read-only config, set before load (layout: PROFILE_CONFIG in profile.ts). */
struct profile_config {
	__s32 targ_tgid;
	__s32 targ_tid;
	__u8 user_stacks_only;
	__u8 kernel_stacks_only;
	__u8 include_idle;
};
_Static_assert(sizeof(struct profile_config) == 12, "profile_config size");
_Static_assert(sizeof(struct profile_key) == 28, "profile_key size");

const volatile struct profile_config cfg = { .targ_tgid = -1, .targ_tid = -1 };

STACK_TRACE_MAP(stackmap);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct profile_key);
	__type(value, __u64);
	__uint(max_entries, 16384);
} counts SEC(".maps");

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	__u32 tid = (__u32)id;
	struct profile_key key = {};

	if (!cfg.include_idle && tid == 0)
		return 0;
	if (cfg.targ_tgid >= 0 && tgid != (__u32)cfg.targ_tgid)
		return 0;
	if (cfg.targ_tid >= 0 && tid != (__u32)cfg.targ_tid)
		return 0;

	key.pid = tgid;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	key.kern_stack_id = cfg.user_stacks_only ? -1 : bpf_get_stackid(&ctx->regs, &stackmap, 0);
	key.user_stack_id = cfg.kernel_stacks_only ? -1 : bpf_get_stackid(&ctx->regs, &stackmap, BPF_F_USER_STACK);
	count_add(&counts, &key, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
