/* SPDX-License-Identifier: GPL-2.0 */
/* Part of sampler.bpf.c (included from it only). Per-thread tracked state (task storage) and block requests in flight, kept current by
 * the sys_enter/sys_exit and block_rq_* hooks, read by the task iterator. Kernel-only
 * layouts: user space never reads these maps, so they are not in records.ts. */
#ifndef TSNAP_SAMPLER_TRACKING_BPF_H
#define TSNAP_SAMPLER_TRACKING_BPF_H

#include "lib/ringbuf.bpf.h"

struct task_track {
	__u64 sc_entry_ns;
	__u64 sc_seq;		/* syscalls entered by this thread since tsnap attached */
	__s32 sc_nr;
	__u8 in_sc;		/* between sys_enter and sys_exit */
	__u8 sc_sampled;	/* a sample saw this syscall: emit its completion */
	__u16 pad;
	__u64 iorq_rq;		/* last block request this thread submitted */
	__u64 iorq_seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_track);
} task_track SEC(".maps");

struct iorq_track {
	__u64 seq;
	__u64 insert_ns;
	__u64 issue_ns;
	__u64 sector;
	__u32 insert_tid, insert_tgid;
	__u32 issue_tid, issue_tgid;
	__u32 dev;
	__u32 bytes;
	__u32 cmd_flags;
	__u32 sampled;
};

/* Keyed by the struct request pointer; LRU so completions we never see cannot fill it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct iorq_track);
} iorq_track SEC(".maps");

/* tgids to sample when cfg.filter_pids (and the latency histograms
 * when hist_cfg.filter_pids) (filled by user space before attach). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} pid_filter SEC(".maps");

/* Completion records (sysc_end_rec, iorq_end_rec) for user space. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Counters user space reads: [COUNTER_EVENTS_LOST] completions dropped because the
 * events ring was full (lib/ringbuf.bpf.h counts them; ringbuf.ts lost() reads them). */
#define COUNTER_EVENTS_LOST 0
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline struct task_track *track_of_current(int create)
{
	return bpf_task_storage_get(&task_track, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

#endif
