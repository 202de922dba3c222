/* SPDX-License-Identifier: GPL-2.0 */
/* Part of sampler.bpf.c (included from it only): sys_enter / sys_exit keep the syscall in
 * progress per thread (number, entry time, sequence number) in task storage, and emit a
 * SYSC_END completion for syscalls a sample saw. Each hook is a tp_btf/raw_tp pair
 * (lib/hooks.bpf.h); user space loads one of the two. */
#ifndef TSNAP_SAMPLER_SYSCALL_HOOKS_BPF_H
#define TSNAP_SAMPLER_SYSCALL_HOOKS_BPF_H

static __always_inline void sys_enter_common(struct task_track *t, long id)
{
	t->sc_nr = id;
	t->sc_entry_ns = bpf_ktime_get_ns();
	t->sc_seq++;
	t->in_sc = 1;
	t->sc_sampled = 0;
}

/* Kept to the minimum: this runs on every syscall of every thread. The arguments are not
 * copied; the iterator reads them from the task's saved registers when it samples. */
TP_BTF_OR_RAW_TP(sys_enter, sys_enter, struct pt_regs *regs, long id)
{
	struct task_track *t = track_of_current(1);

	if (t)
		sys_enter_common(t, id);
	return 0;
}

static __always_inline void sys_exit_common(long ret)
{
	struct task_track *t = track_of_current(0);
	struct sysc_end_rec *e;
	__u64 now = 0;

	if (!t || !t->in_sc)
		return;
	t->in_sc = 0;
	if (hist_cfg.sc) { /* every completion into the histogram (latency-hists.bpf.h) */
		now = bpf_ktime_get_ns();
		hist_syscall(t->sc_nr, now - t->sc_entry_ns);
	}
	if (!t->sc_sampled)
		return;
	t->sc_sampled = 0;
	if (!now)
		now = bpf_ktime_get_ns();
	e = ringbuf_reserve_counted(&events, sizeof(*e), &counters, COUNTER_EVENTS_LOST);
	if (!e)
		return;
	e->kind = REC_SYSC_END;
	e->size = sizeof(*e);
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->tgid = bpf_get_current_pid_tgid() >> 32;
	e->nr = t->sc_nr;
	e->pad0 = 0;
	e->seq = t->sc_seq;
	e->enter_ns = t->sc_entry_ns;
	e->duration_ns = now - t->sc_entry_ns;
	e->ret = ret;
	bpf_ringbuf_submit(e, 0);
}

TP_BTF_OR_RAW_TP(sys_exit, sys_exit, struct pt_regs *regs, long ret)
{
	sys_exit_common(ret);
	return 0;
}

#endif
