/* SPDX-License-Identifier: GPL-2.0 */
/* Stacks as hashes: hash the frames, send a stack record the first time a hash is seen
 * (user space keeps the dictionary), and walk user stacks by frame pointer (sleepable
 * iterator only: it reads user memory). */
#ifndef TSNAP_STACKS_BPF_H
#define TSNAP_STACKS_BPF_H

/* Stack hashes already sent to user space. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} known_stacks SEC(".maps");

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

/* Hash the stack in *s and fill its record header; returns 1 when the hash was not sent
 * before (the caller writes the record: to the iterator's seq_file or to a ring). */
static __always_inline int stack_is_new(struct stack_rec *s, __u32 n, __u32 user)
{
	__u8 one = 1;

	s->kind = REC_STACK;
	s->size = sizeof(*s);
	s->user = user;
	s->nframes = n;
	s->hash = hash_frames(s->frames, n);
	if (bpf_map_lookup_elem(&known_stacks, &s->hash))
		return 0;
	bpf_map_update_elem(&known_stacks, &s->hash, &one, BPF_ANY);
	return 1;
}

static __always_inline void user_stack(struct task_struct *task, struct stack_rec *s, __u32 *n)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 pair[2];
	__u64 bp;
	__u32 i;

	if (!regs)
		return;
	s->frames[0] = PT_REGS_IP_CORE(regs);
	bp = PT_REGS_FP_CORE(regs);
	for (i = 1; i < MAX_FRAMES; i++) {
		if (!bp || bpf_copy_from_user_task(pair, sizeof(pair), (void *)bp, task, 0))
			break;
		if (!pair[1])
			break;
		s->frames[i] = pair[1];
		if (pair[0] <= bp)
			break;
		bp = pair[0];
	}
	*n = i;
}

#endif
