// SPDX-License-Identifier: GPL-2.0
/* The thread-state sampler: hooks keep per-thread state current (syscall in progress,
 * block I/O in flight), and a task iterator emits one record per interesting thread per
 * read. Completion records go to a ring buffer only for syscalls and I/Os that a sample
 * saw. Each hook comes as a tp_btf/raw_tp pair; user space disables one before load. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sampler-records.h"
#include "task.bpf.h"
#include "tracking.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Read-only config, set by user space before load (records.ts: CONFIG). */
const volatile struct tsnap_config cfg = {};

/* tgids to sample when cfg.filter_pids (filled by user space before attach). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} pid_filter SEC(".maps");

/* Stack hashes already sent to user space. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} known_stacks SEC(".maps");

struct scratch {
	struct task_rec task;
	struct stack_rec stack;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

__u64 iorq_seq_counter;
__u32 visited, emitted;

/* ---- syscalls ---------------------------------------------------------------------- */

static __always_inline struct task_track *track_of_current(int create)
{
	return bpf_task_storage_get(&task_track, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

static __always_inline void sys_enter_common(struct task_track *t, long id)
{
	t->sc_nr = id;
	t->sc_entry_ns = bpf_ktime_get_ns();
	t->sc_seq++;
	t->in_sc = 1;
	t->sc_sampled = 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tp_btf_sys_enter, struct pt_regs *regs, long id)
{
	struct task_track *t = track_of_current(1);

	if (!t)
		return 0;
	sys_enter_common(t, id);
	t->sc_args[0] = PT_REGS_PARM1_SYSCALL(regs);
	t->sc_args[1] = PT_REGS_PARM2_SYSCALL(regs);
	t->sc_args[2] = PT_REGS_PARM3_SYSCALL(regs);
	t->sc_args[3] = PT_REGS_PARM4_SYSCALL(regs);
	t->sc_args[4] = PT_REGS_PARM5_SYSCALL(regs);
	t->sc_args[5] = SC_PARM6(regs);
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(raw_tp_sys_enter, struct pt_regs *regs, long id)
{
	struct task_track *t = track_of_current(1);

	if (!t)
		return 0;
	sys_enter_common(t, id);
	t->sc_args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	t->sc_args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	t->sc_args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	t->sc_args[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
	t->sc_args[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
	t->sc_args[5] = SC_PARM6_CORE(regs);
	return 0;
}

static __always_inline void sys_exit_common(long ret)
{
	struct task_track *t = track_of_current(0);
	struct sysc_end_rec *e;
	__u64 now;

	if (!t || !t->in_sc)
		return;
	t->in_sc = 0;
	if (!t->sc_sampled)
		return;
	t->sc_sampled = 0;
	now = bpf_ktime_get_ns();
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return;
	}
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

SEC("tp_btf/sys_exit")
int BPF_PROG(tp_btf_sys_exit, struct pt_regs *regs, long ret)
{
	sys_exit_common(ret);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(raw_tp_sys_exit, struct pt_regs *regs, long ret)
{
	sys_exit_common(ret);
	return 0;
}

/* ---- block I/O --------------------------------------------------------------------- */

static __always_inline __u32 rq_dev(struct request *rq)
{
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);
	struct block_device *part = BPF_CORE_READ(rq, part);

	if (part)
		return BPF_CORE_READ(part, bd_dev);
	if (!disk)
		return 0;
	return ((__u32)BPF_CORE_READ(disk, major) << 20) | (__u32)BPF_CORE_READ(disk, first_minor);
}

/* insert (scheduler queue) or issue (to the driver) without a prior insert: start tracking
 * the request and remember it as the submitting thread's I/O in flight. */
static __always_inline struct iorq_track *iorq_start(struct request *rq, __u64 now, int issue)
{
	__u64 key = (__u64)rq;
	__u64 id = bpf_get_current_pid_tgid();
	struct iorq_track *e = bpf_map_lookup_elem(&iorq_track, &key);
	struct task_track *t;

	if (e)
		return e;
	struct iorq_track n = {};
	n.seq = __sync_fetch_and_add(&iorq_seq_counter, 1) + 1;
	n.insert_ns = now;
	n.insert_tid = (__u32)id;
	n.insert_tgid = id >> 32;
	n.sector = BPF_CORE_READ(rq, __sector);
	n.bytes = BPF_CORE_READ(rq, __data_len);
	n.cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	n.dev = rq_dev(rq);
	bpf_map_update_elem(&iorq_track, &key, &n, BPF_ANY);
	t = track_of_current(1);
	if (t) {
		t->iorq_rq = key;
		t->iorq_seq = n.seq;
	}
	return bpf_map_lookup_elem(&iorq_track, &key);
}

static __always_inline void on_rq_insert(struct request *rq)
{
	iorq_start(rq, bpf_ktime_get_ns(), 0);
}

static __always_inline void on_rq_issue(struct request *rq)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 id = bpf_get_current_pid_tgid();
	struct iorq_track *e = iorq_start(rq, now, 1);

	if (!e)
		return;
	e->issue_ns = now;
	e->issue_tid = (__u32)id;
	e->issue_tgid = id >> 32;
	e->bytes = BPF_CORE_READ(rq, __data_len);
	e->sector = BPF_CORE_READ(rq, __sector);
}

static __always_inline void on_rq_complete(struct request *rq, int error, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq;
	struct iorq_track *e = bpf_map_lookup_elem(&iorq_track, &key);
	struct iorq_end_rec *r;
	__u64 id;

	if (!e)
		return;
	if (e->sampled) {
		r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
		if (r) {
			id = bpf_get_current_pid_tgid();
			r->kind = REC_IORQ_END;
			r->size = sizeof(*r);
			r->insert_tid = e->insert_tid;
			r->insert_tgid = e->insert_tgid;
			r->issue_tid = e->issue_tid;
			r->issue_tgid = e->issue_tgid;
			r->complete_tid = (__u32)id;
			r->complete_tgid = id >> 32;
			r->dev = e->dev;
			r->bytes = e->bytes;
			r->cmd_flags = e->cmd_flags;
			r->error = error;
			r->sector = e->sector;
			r->seq = e->seq;
			r->insert_ns = e->insert_ns;
			r->issue_ns = e->issue_ns;
			r->complete_ns = bpf_ktime_get_ns();
			bpf_ringbuf_submit(r, 0);
		} else {
			count_lost();
		}
	}
	bpf_map_delete_elem(&iorq_track, &key);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(tp_btf_rq_insert, struct request *rq)
{
	on_rq_insert(rq);
	return 0;
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(raw_tp_rq_insert, struct request *rq)
{
	on_rq_insert(rq);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(tp_btf_rq_issue, struct request *rq)
{
	on_rq_issue(rq);
	return 0;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(raw_tp_rq_issue, struct request *rq)
{
	on_rq_issue(rq);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(tp_btf_rq_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	on_rq_complete(rq, error, nr_bytes);
	return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(raw_tp_rq_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	on_rq_complete(rq, error, nr_bytes);
	return 0;
}

/* ---- the task iterator ------------------------------------------------------------- */

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

/* Hash the stack in s->stack; send it once (the first time its hash is seen). */
static __always_inline __u64 stack_once(struct seq_file *seq, struct stack_rec *s, __u32 n, __u32 user)
{
	__u8 one = 1;

	s->kind = REC_STACK;
	s->size = sizeof(*s);
	s->user = user;
	s->nframes = n;
	s->hash = hash_frames(s->frames, n);
	if (!bpf_map_lookup_elem(&known_stacks, &s->hash)) {
		bpf_map_update_elem(&known_stacks, &s->hash, &one, BPF_ANY);
		bpf_seq_write(seq, s, sizeof(*s));
	}
	return s->hash;
}

static __always_inline void fill_filename(struct task_struct *task, struct task_rec *r)
{
	unsigned int fd = (unsigned int)r->args[0];
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file *f = 0;
	const unsigned char *name;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return;
	name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
	if (name)
		bpf_probe_read_kernel_str(r->filename, sizeof(r->filename), name);
}

static __always_inline void user_stack(struct task_struct *task, struct stack_rec *s, __u32 *n)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 pair[2];
	__u64 bp;
	__u32 i;

	if (!regs)
		return;
	s->frames[0] = BPF_CORE_READ(regs, ip);
	bp = BPF_CORE_READ(regs, bp);
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

static __always_inline int dump_task(struct bpf_iter__task *ctx, int sleepable)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	__u32 zero = 0;
	struct scratch *sc;
	struct task_rec *r;
	struct task_track *t;
	__u32 tgid, state, n;
	__u64 now;
	long len;

	if (ctx->meta->seq_num == 0) {
		visited = 0;
		emitted = 0;
	}
	if (!task) {
		struct round_end_rec end = {
			.kind = REC_ROUND_END,
			.size = sizeof(end),
			.visited = visited,
			.emitted = emitted,
			.ktime_ns = bpf_ktime_get_ns(),
		};
		bpf_seq_write(seq, &end, sizeof(end));
		return 0;
	}
	tgid = task->tgid;
	if (cfg.self_tgid && tgid == cfg.self_tgid)
		return 0;
	if (cfg.filter_pids && !bpf_map_lookup_elem(&pid_filter, &tgid))
		return 0;
	visited++;
	state = task_state(task);
	if (!cfg.all_tasks && !state_is_active(state))
		return 0;
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	r = &sc->task;
	__builtin_memset(r, 0, sizeof(*r));
	now = bpf_ktime_get_ns();
	r->kind = REC_TASK;
	r->size = sizeof(*r);
	r->tid = task->pid;
	r->tgid = tgid;
	r->ppid = BPF_CORE_READ(task, real_parent, tgid);
	r->state = state;
	r->exit_state = task->exit_state;
	r->task_flags = task->flags;
	r->on_cpu = BPF_CORE_READ(task, on_cpu);
	r->cpu = task_cpu_of(task);
	r->pidns = task_pidns(task);
	r->uid = BPF_CORE_READ(task, cred, uid.val);
	r->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	r->utime_ns = task->utime;
	r->stime_ns = task->stime;
	r->sysc_nr = -1;
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), task->comm);
	if (task->flags & PF_KTHREAD_)
		r->flags |= TF_KTHREAD;

	t = bpf_task_storage_get(&task_track, task, 0, 0);
	if (t && t->sc_seq) {
		/* Tracked since tsnap attached: trust in_sc. */
		r->sysc_seq = t->sc_seq;
		if (t->in_sc) {
			r->flags |= TF_IN_SYSCALL;
			r->sysc_nr = t->sc_nr;
			r->sysc_entry_ns = t->sc_entry_ns;
			r->sysc_ns_so_far = now > t->sc_entry_ns ? now - t->sc_entry_ns : 0;
			for (int i = 0; i < 6; i++)
				r->args[i] = t->sc_args[i];
			t->sc_sampled = 1;
		}
	} else if (!(r->flags & TF_KTHREAD) && !r->on_cpu) {
		/* Entered its syscall before tsnap attached: read the saved registers, as
		 * /proc/PID/syscall does. */
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
		long nr = regs ? (long)SC_NR_CORE(regs) : -1;

		if (nr >= 0 && nr < NR_SYSCALL_SLOTS) {
			r->flags |= TF_SYSC_FROM_REGS;
			r->sysc_nr = nr;
			r->args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
			r->args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
			r->args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
			r->args[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
			r->args[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
			r->args[5] = SC_PARM6_CORE(regs);
		}
	}
	if (t && t->iorq_rq) {
		struct iorq_track *e = bpf_map_lookup_elem(&iorq_track, &t->iorq_rq);

		if (e && e->seq == t->iorq_seq) {
			e->sampled = 1;
			r->iorq_seq = e->seq;
			r->flags |= TF_IORQ_INFLIGHT;
		}
	}
	if (cfg.want_filename && r->sysc_nr >= 0 && r->sysc_nr < NR_SYSCALL_SLOTS &&
	    cfg.fd_syscalls[r->sysc_nr & (NR_SYSCALL_SLOTS - 1)])
		fill_filename(task, r);

	if (cfg.want_kstack) {
		len = bpf_get_task_stack(task, sc->stack.frames, sizeof(sc->stack.frames), 0);
		if (len > 0)
			r->kstack_hash = stack_once(seq, &sc->stack, len / 8, 0);
	}
	if (sleepable && cfg.want_ustack && !(r->flags & TF_KTHREAD)) {
		n = 0;
		user_stack(task, &sc->stack, &n);
		if (n > 0)
			r->ustack_hash = stack_once(seq, &sc->stack, n, 1);
	}
	emitted++;
	bpf_seq_write(seq, r, sizeof(*r));
	return 0;
}

SEC("iter/task")
int dump_tasks(struct bpf_iter__task *ctx)
{
	return dump_task(ctx, 0);
}

/* Sleepable twin: may read user memory (user stacks through frame pointers). */
SEC("iter.s/task")
int dump_tasks_ustack(struct bpf_iter__task *ctx)
{
	return dump_task(ctx, 1);
}
