/* SPDX-License-Identifier: GPL-2.0 */
/* tsnap profile: on-CPU stack sampling. A perf_event program runs at every cpu-clock tick
 * on every CPU; it counts (process, thread name, kernel stack id, user stack id) in a hash
 * map, the stacks themselves in a STACK_TRACE map. User space reads both once at the end
 * (bcc/libbpf-tools profile's design: counting in the kernel, no event per sample).
 * With --unwind dwarf (cfg.dwarf) each sample is instead one ring-buffer record: the user
 * registers and the top of the user stack (lib/ustack.bpf.h), unwound in user space. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/ustack.bpf.h"

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
	__u8 dwarf;
	__u32 ustack_bytes;
};
_Static_assert(sizeof(struct profile_config) == 16, "profile_config size");
_Static_assert(sizeof(struct profile_key) == 28, "profile_key size");

const volatile struct profile_config cfg = { .targ_tgid = -1, .targ_tid = -1 };

STACK_TRACE_MAP(stackmap);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct profile_key);
	__type(value, __u64);
	__uint(max_entries, 16384);
} counts SEC(".maps");

/* --unwind dwarf: the records, a scratch record per CPU, records lost (lib/ustack.bpf.h). */
USTACK_DWARF_MAPS();

static __always_inline int sample_dwarf(struct bpf_perf_event_data *ctx, __u32 tgid, __u32 tid)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct ustack_buf *b = bpf_map_lookup_elem(&ustack_scratch, &cpu);
	__u32 n;

	if (!b)
		return 0;
	/* In user mode when the ip is in the lower half (x86-64 and arm64 kernels live above). */
	n = ustack_fill(b, (__s64)ctx->regs.ip >= 0, ctx->regs.ip, ctx->regs.sp, ctx->regs.bp,
			cfg.ustack_bytes);
	b->h.kind = USTACK_COUNT;
	b->h.tgid = tgid;
	b->h.tid = tid;
	b->h.value = 1;
	b->h.ts = 0;
	b->h.kern_stack_id = cfg.user_stacks_only ? -1 : bpf_get_stackid(&ctx->regs, &stackmap, 0);
	bpf_get_current_comm(&b->h.comm, sizeof(b->h.comm));
	if (bpf_ringbuf_output(&ustacks, b, n, BPF_RB_NO_WAKEUP))
		count_in(&ustack_lost, 0);
	return 0;
}

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

	if (cfg.dwarf)
		return sample_dwarf(ctx, tgid, tid);

	key.pid = tgid;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	key.kern_stack_id = cfg.user_stacks_only ? -1 : bpf_get_stackid(&ctx->regs, &stackmap, 0);
	key.user_stack_id = cfg.kernel_stacks_only ? -1 : bpf_get_stackid(&ctx->regs, &stackmap, BPF_F_USER_STACK);
	count_add(&counts, &key, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
