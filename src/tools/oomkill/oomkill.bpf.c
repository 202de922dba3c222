// SPDX-License-Identifier: GPL-2.0
/* tsnap oomkill: every OOM kill (bcc/libbpf-tools oomkill). libbpf-tools hooks
 * oom_kill_process with a kprobe; here oom:mark_victim, which the kernel fires in
 * __oom_kill_process when it picks the victim, in the context of the task whose allocation
 * ran out of memory (the trigger). The record carries both tasks and the victim's memory
 * as the tracepoint gives it (kB); records the ring cannot take are counted in `lost`. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (oomkill-records.ts declares them). */
struct oomkill_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at the kill */
	__u64 total_vm_kb;	/* the victim's memory, as mark_victim reports it */
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	__u64 pgtables_kb;
	__u32 fpid;		/* the trigger: the task that ran out of memory */
	__u32 tpid;		/* the victim */
	__u32 uid;		/* the victim's uid */
	__s16 oom_score_adj;
	__u8 pad[2];
	char fcomm[16];
	char tcomm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

SEC("tracepoint/oom/mark_victim")
int oomkill_mark_victim(struct trace_event_raw_mark_victim *ctx)
{
	struct oomkill_event *e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	__u32 loc;

	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->fpid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->fcomm, sizeof(e->fcomm));
	e->tpid = ctx->pid;
	loc = ctx->__data_loc_comm;
	if (bpf_probe_read_kernel_str(e->tcomm, sizeof(e->tcomm), (void *)ctx + (loc & 0xffff)) < 0)
		e->tcomm[0] = 0;
	e->total_vm_kb = ctx->total_vm;
	e->anon_rss_kb = ctx->anon_rss;
	e->file_rss_kb = ctx->file_rss;
	e->shmem_rss_kb = ctx->shmem_rss;
	e->pgtables_kb = ctx->pgtables;
	e->uid = ctx->uid;
	e->oom_score_adj = ctx->oom_score_adj;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
