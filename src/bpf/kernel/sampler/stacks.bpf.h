/* SPDX-License-Identifier: GPL-2.0 */
/* Part of sampler.bpf.c (included from it only): stacks as hashes. A stack record goes
 * to user space the first time its hash is seen (user space keeps the dictionary). */
#ifndef TSNAP_SAMPLER_STACKS_BPF_H
#define TSNAP_SAMPLER_STACKS_BPF_H

#include "lib/stacks.bpf.h"

/* Stack hashes already sent to user space. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} known_stacks SEC(".maps");

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

#endif
