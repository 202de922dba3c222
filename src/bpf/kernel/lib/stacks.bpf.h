/* SPDX-License-Identifier: GPL-2.0 */
/* Stack helpers (no maps, no programs): hash a stack's frames, and walk a user stack by
 * frame pointer (sleepable programs only: it reads user memory). The includer defines
 * MAX_FRAMES, the length of its frames arrays. */
#ifndef TSNAP_LIB_STACKS_BPF_H
#define TSNAP_LIB_STACKS_BPF_H

#ifndef MAX_FRAMES
#error "define MAX_FRAMES (frames per stack) before including lib/stacks.bpf.h"
#endif

/* FNV-1a over the first n frames; never 0 (0 means "no stack" in records). */
static __always_inline __u64 hash_frames(__u64 *frames, __u32 n)
{
	__u64 h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < MAX_FRAMES; i++) {
		if (i >= n)
			break;
		h = (h ^ frames[i]) * 0x100000001b3ULL;
	}
	return h ? h : 1;
}

/* The user stack of `task` into frames[], by frame pointer; *n gets the frame count. */
static __always_inline void user_stack(struct task_struct *task, __u64 *frames, __u32 *n)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 pair[2];
	__u64 bp;
	__u32 i;

	if (!regs)
		return;
	frames[0] = PT_REGS_IP_CORE(regs);
	bp = PT_REGS_FP_CORE(regs);
	for (i = 1; i < MAX_FRAMES; i++) {
		if (!bp || bpf_copy_from_user_task(pair, sizeof(pair), (void *)bp, task, 0))
			break;
		if (!pair[1])
			break;
		frames[i] = pair[1];
		if (pair[0] <= bp)
			break;
		bp = pair[0];
	}
	*n = i;
}

#endif
