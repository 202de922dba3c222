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
#include "lib/hooks.bpf.h"
#include "lib/task.bpf.h"
/* This object's own maps and hooks, one include per concern (src/bpf/kernel/sampler/). */
#include "sampler/tracking.bpf.h"
#include "sampler/latency-hists.bpf.h"
#include "sampler/syscall-hooks.bpf.h"
#include "sampler/block-hooks.bpf.h"
#include "sampler/stacks.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Read-only config, set by user space before load (records.ts: CONFIG). */
const volatile struct tsnap_config cfg = {};

struct scratch {
	struct task_rec task;
	struct stack_rec stack;
	/* The clock's round totals live here, not on the stack: the verifier does not track
	 * map memory, so the loop's state is the same at every iteration and converges. */
	struct round_end_rec end;
	__u32 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2); /* [0] the iterator, [1] the clock (may interrupt it) */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

__u32 visited, emitted;

/* ---- the task iterator ------------------------------------------------------------- */

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

/* Fills *r for one thread (everything but stacks); `now` is the sampling instant. */
static __always_inline void fill_task(struct task_struct *task, struct task_rec *r, __u32 tgid,
				      __u32 state, __u64 now)
{
	struct task_track *t;

	__builtin_memset(r, 0, sizeof(*r));
	r->kind = REC_TASK;
	r->size = sizeof(*r);
	r->tid = task->pid;
	r->tgid = tgid;
	/* Direct loads through BTF pointers (the verifier turns them into fault-safe loads):
	 * far cheaper than a probe-read helper call per field. */
	r->ppid = task->real_parent->tgid;
	r->state = state;
	r->exit_state = task->exit_state;
	r->task_flags = task->flags;
	r->on_cpu = task->on_cpu;
	r->cpu = task_cpu_of(task);
	r->pidns = task_pidns(task);
	r->uid = task->cred->uid.val;
	r->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	r->utime_ns = task->utime;
	r->stime_ns = task->stime;
	r->sysc_nr = -1;
	__builtin_memcpy(r->comm, task->comm, sizeof(r->comm));
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
			t->sc_sampled = 1;
		}
	} else if (!(r->flags & TF_KTHREAD) && !r->on_cpu) {
		/* Entered its syscall before tsnap attached: the number from the saved
		 * registers, as /proc/PID/syscall reads it. */
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
		long nr = regs ? (long)SC_NR(regs) : -1;

		if (nr >= 0 && nr < NR_SYSCALL_SLOTS) {
			r->flags |= TF_SYSC_FROM_REGS;
			r->sysc_nr = nr;
		}
	}
	/* Arguments from the registers saved at syscall entry (valid while in the kernel). */
	if (cfg.want_args && (r->flags & (TF_IN_SYSCALL | TF_SYSC_FROM_REGS))) {
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

		if (regs) {
			r->args[0] = PT_REGS_PARM1_SYSCALL(regs);
			r->args[1] = PT_REGS_PARM2_SYSCALL(regs);
			r->args[2] = PT_REGS_PARM3_SYSCALL(regs);
			r->args[3] = PT_REGS_PARM4_SYSCALL(regs);
			r->args[4] = PT_REGS_PARM5_SYSCALL(regs);
			r->args[5] = SC_PARM6(regs);
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
}

static __always_inline int dump_task(struct bpf_iter__task *ctx, int sleepable)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	__u32 zero = 0;
	struct scratch *sc;
	struct task_rec *r;
	__u32 tgid, state, n;
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
	fill_task(task, r, tgid, state, bpf_ktime_get_ns());
	if (cfg.want_kstack) {
		len = bpf_get_task_stack(task, sc->stack.frames, sizeof(sc->stack.frames), 0);
		if (len > 0) {
			if (stack_is_new(&sc->stack, len / 8, 0))
				bpf_seq_write(seq, &sc->stack, sizeof(sc->stack));
			r->kstack_hash = sc->stack.hash;
		}
	}
	if (sleepable && cfg.want_ustack && !(r->flags & TF_KTHREAD)) {
		n = 0;
		user_stack(task, sc->stack.frames, &n);
		if (n > 0) {
			if (stack_is_new(&sc->stack, n, 1))
				bpf_seq_write(seq, &sc->stack, sizeof(sc->stack));
			r->ustack_hash = sc->stack.hash;
		}
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

/* ---- the in-kernel sampling clock ---------------------------------------------------- */
/* A perf_event program on a software cpu-clock event of each clock CPU (every online one), ticking `ticks` times per
 * sampling period, the CPUs' ticks interleaved: at one of the period's ticks of any CPU, chosen
 * pseudo-randomly (dither_tick; the next CPU's tick if that one's vCPU did not run), it
 * walks all threads with the open-coded task iterator and writes a round (start record,
 * stacks seen for the first time, task records, end record) into the `rounds` ring without
 * waking anyone. Dithered instants cannot stay in phase with a periodic disturbance (the
 * host's CPU-quota freezes of a VM, a workload's own period). User space computes the same
 * instants from origin and seed and drains the ring in batches between them, so tsnap
 * never runs, wakes or queues for a CPU because of the sampling itself; whether one of its
 * threads was on a CPU or runnable anyway is counted. */

/* A thread waiting on the clock's CPU, queued there after the instant. The walk holds that
 * CPU's scheduler (hard interrupt context) for as long as it takes, so a thread woken onto it
 * meanwhile cannot run: read now, it shows as runnable where, left alone, it would have run
 * and gone back to its wait (a reader's next I/O), and every round would see more threads
 * waiting for a CPU than there are. At the instant it was still asleep. rq->clock, read at the
 * instant, is at least every earlier enqueue's stamp (sched_info.last_queued) and less than
 * any later one's (an enqueue updates the clock first). */
static __always_inline int queued_after(struct task_struct *task, __u32 cpu, __u64 rq_clock)
{
	if (!bpf_core_field_exists(task->sched_info.last_queued) || !rq_clock)
		return 0;
	return !task->on_cpu && task_cpu_of(task) == cpu && task->sched_info.last_queued > rq_clock;
}

/* The clock of the run queue of the CPU this runs on, through the task it interrupted (any
 * task, the idle one too, points at its CPU's root cfs_rq); 0 without group scheduling. */
static __always_inline __u64 clock_cpu_rq_clock(void)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct cfs_rq *cfs;

	if (!bpf_core_field_exists(struct cfs_rq, rq))
		return 0;
	cfs = cur->se.cfs_rq;
	if (!cfs || !cfs->rq)
		return 0;
	return cfs->rq->clock;
}

/* The sleep a woken thread came from: uninterruptible (and counted in the load, as D) or not. */
static __always_inline __u32 slept_state(struct task_struct *task)
{
	if (bpf_core_field_exists(task->sched_contributes_to_load) &&
	    BPF_CORE_READ_BITFIELD_PROBED(task, sched_contributes_to_load))
		return TASK_UNINTERRUPTIBLE_;
	return 1; /* TASK_INTERRUPTIBLE */
}

extern int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task,
			     unsigned int flags) __weak __ksym;
extern struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __weak __ksym;
extern void bpf_iter_task_destroy(struct bpf_iter_task *it) __weak __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* user space sizes it before load */
} rounds SEC(".maps");

/* Rounds the clock could not deliver, for user space at any time: [0] skipped (the ring
 * could not hold a round), [1] incomplete (a record did not fit; user space drops it),
 * [2] periods passed over (no tick at or after their instant before the next one's). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} clock_lost SEC(".maps");

static __always_inline void count_clock_lost(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&clock_lost, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* One entry (records.ts CLOCK_STATE): tick and ticks from user space, the rest ours. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct clock_state);
} clock_state SEC(".maps");

/* records.ts ditherTick(): murmur3's 32-bit finaliser of seed ^ k * golden ratio; period 0
 * at tick `first`, rank 0's second (the first row comes at once, a tick after user
 * space learnt origin, from the CPU whose grid is sure to be known). */
static __always_inline __u32 dither_tick(__u32 seed, __u32 k, __u64 ticks, __u64 first)
{
	__u32 x = seed ^ (k * 0x9e3779b9u);

	if (k == 0)
		return ticks > first ? first : 0;
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return ticks ? x % (__u32)ticks : 0;
}

/* Each CPU's own tick grid: its ticks come at grid0 + m * tick (perf_swevent_hrtimer keeps
 * the grid it started on), ktime-drift aside. */
struct clock_cpu {
	__u64 grid0;		/* 0 until a tick of this CPU came on time */
	__u64 last_tick;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct clock_cpu);
} clock_cpu SEC(".maps");

/* CPU id → that CPU's grid0, for user space to predict the instants (kernel-clock.ts). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} clock_grids SEC(".maps");

/* Rank → CPU id of the clock's CPUs, from user space (rank i's event started i/cpus of a
 * tick after rank 0's). Rank 0's grid is the shared one (origin_ns). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} clock_ranks SEC(".maps");

__u64 clock_seq;	/* rounds the clock set out to take, skipped rounds included */
__u64 clock_round_bytes; /* bytes the last complete round took in the ring */
__u64 clock_busy;	/* a round is being taken (by one CPU; the others wait their turn) */

static __always_inline int ring_out(void *data, __u64 size, __u32 *bytes)
{
	*bytes += size + 8;
	return bpf_ringbuf_output(&rounds, data, size, BPF_RB_NO_WAKEUP);
}

/* The round itself: start record, the walk over all threads, end record. */
static __always_inline void take_round(struct round_start_rec *start, __u64 now, __u32 cpu,
				       __u64 rq_clock)
{
	struct bpf_iter_task it;
	struct task_struct *task;
	struct round_end_rec *end;
	__u32 one = 1;
	struct scratch *sc;
	struct task_rec *r;
	__u32 tgid, state;
	long len;

	/* Skip the whole round (user space sees the gap in seq) rather than write half of
	 * it when the ring cannot hold what the last round took. */
	if (bpf_ringbuf_query(&rounds, BPF_RB_AVAIL_DATA) + clock_round_bytes + clock_round_bytes / 4 +
		    4096 > bpf_ringbuf_query(&rounds, BPF_RB_RING_SIZE)) {
		count_clock_lost(0);
		return;
	}
	sc = bpf_map_lookup_elem(&scratch, &one);
	if (!sc)
		return;
	r = &sc->task;
	end = &sc->end;
	__builtin_memset(end, 0, sizeof(*end));
	end->kind = REC_ROUND_END;
	end->size = sizeof(*end);
	end->seq = start->seq;
	end->ktime_ns = now;
	sc->bytes = 0;
	if (ring_out(start, sizeof(*start), &sc->bytes)) {
		count_clock_lost(0);
		return;
	}
	bpf_iter_task_new(&it, 0, BPF_TASK_ITER_ALL_THREADS);
	while ((task = bpf_iter_task_next(&it))) {
		if (!task->pid)
			continue; /* the boot CPU's idle task (swapper/0): not a thread /proc lists */
		tgid = task->tgid;
		state = task_state(task);
		if (state == 0 && !cfg.as_found && queued_after(task, cpu, rq_clock)) {
			state = slept_state(task);
			end->woken_late++;
		}
		if (cfg.count_tgid && tgid == cfg.count_tgid && state == 0) {
			if (task->on_cpu)
				end->self_oncpu++;
			else
				end->self_runnable++;
		}
		if (cfg.self_tgid && tgid == cfg.self_tgid)
			continue;
		if (cfg.filter_pids && !bpf_map_lookup_elem(&pid_filter, &tgid))
			continue;
		end->visited++;
		if (!cfg.all_tasks && !state_is_active(state))
			continue;
		fill_task(task, r, tgid, state, now);
		if (cfg.want_kstack) {
			len = bpf_get_task_stack(task, sc->stack.frames, sizeof(sc->stack.frames), 0);
			if (len > 0) {
				if (stack_is_new(&sc->stack, len / 8, 0) &&
				    ring_out(&sc->stack, sizeof(sc->stack), &sc->bytes)) {
					/* Not sent: let a later sample send it again. */
					bpf_map_delete_elem(&known_stacks, &sc->stack.hash);
					end->flags |= RF_INCOMPLETE;
				}
				r->kstack_hash = sc->stack.hash;
			}
		}
		if (ring_out(r, sizeof(*r), &sc->bytes))
			end->flags |= RF_INCOMPLETE;
		else
			end->emitted++;
	}
	bpf_iter_task_destroy(&it);
	end->walk_ns = bpf_ktime_get_ns() - now;
	/* What the next round needs free; at most half the ring, so that a round too big
	 * for the ring is still tried (and flagged) rather than skipped for ever. */
	clock_round_bytes = sc->bytes + sizeof(*end) + 8;
	if (clock_round_bytes > bpf_ringbuf_query(&rounds, BPF_RB_RING_SIZE) / 2)
		clock_round_bytes = bpf_ringbuf_query(&rounds, BPF_RB_RING_SIZE) / 2;
	/* The end record may not fit either: user space then drops the round when the next
	 * start record arrives, and counts it lost. */
	if ((end->flags & RF_INCOMPLETE) || ring_out(end, sizeof(*end), &sc->bytes))
		count_clock_lost(1);
	return;
}

/* The point of a tick grid (grid + m * tick, m of either sign) nearest `at`:
 * grid + floor((at - grid + tick / 2) / tick) * tick, in unsigned arithmetic
 * (kernel-clock.ts instantMs() computes the same). */
static __always_inline __u64 nearest_on_grid(__u64 at, __u64 grid, __u64 tick)
{
	__u64 half = tick / 2;

	if (at + half >= grid)
		return grid + (at + half - grid) / tick * tick;
	return grid - (grid - at - half + tick - 1) / tick * tick;
}

/* The instant of period p: its slot (ticks * cpus slots a period, drawn by dither_tick) is
 * tick j of the CPU of rank r, g = j * cpus + r; that CPU's tick nearest where the slot
 * would be on the shared grid (origin + j * tick + r * tick / cpus). By rank, not by
 * phase: a CPU whose event started late (the start call waits for that CPU; under load
 * by up to a slot) keeps its slots, and its ticks are where its own grid puts them. */
static __always_inline __u64 due_instant(struct clock_state *cs, __u64 p, __u64 cpus, __u64 slot_ns,
					 __u32 *due_cpu)
{
	__u64 spp = cs->ticks * cpus;
	__u64 g = p * spp + dither_tick((__u32)cs->seed, (__u32)p, spp, cpus);
	__u32 r = g % cpus;
	__u64 ideal = cs->origin_ns + (g / cpus) * cs->tick_ns + r * slot_ns;
	__u32 *cpu = bpf_map_lookup_elem(&clock_ranks, &r);
	__u64 *grid;

	*due_cpu = cpu ? *cpu : 0;
	if (!cpu)
		return ideal;
	grid = bpf_map_lookup_elem(&clock_grids, cpu);
	if (!grid || !*grid)
		return ideal; /* that CPU has not ticked on time yet */
	return nearest_on_grid(ideal, *grid, cs->tick_ns);
}

SEC("perf_event")
int sample_clock(struct bpf_perf_event_data *ctx)
{
	struct round_start_rec start = { .kind = REC_ROUND_START, .size = sizeof(start) };
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	struct clock_state *cs;
	struct clock_cpu *cc;
	__u64 tick, prev, m, k, next, due, mine, cpus, slot_ns, *grid;
	__s64 off, lim;
	__u32 *rank0, due_cpu;
	/* The clock's CPU and its run queue's clock at the instant, first of all (the run queue
	 * through the interrupted task: `runqueues` is not a ksym without CONFIG_KALLSYMS_ALL). */
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 rq_clock = clock_cpu_rq_clock();

	cs = bpf_map_lookup_elem(&clock_state, &zero);
	cc = bpf_map_lookup_elem(&clock_cpu, &zero);
	rank0 = bpf_map_lookup_elem(&clock_ranks, &zero);
	if (!cs || !cc || !rank0 || !cs->tick_ns || !cs->ticks)
		return 0;
	tick = cs->tick_ns;
	/* This CPU's grid starts at its first tick that came on time (a tick after its previous
	 * one by one tick within an eighth): a tick held up by a frozen vCPU would shift it. */
	prev = cc->last_tick;
	cc->last_tick = now;
	if (!cc->grid0) {
		if (!prev || now - prev > tick + tick / 8 || now - prev < tick - tick / 8)
			return 0;
		cc->grid0 = now;
	}
	/* The grid follows the timer: its ticks drift against ktime (~1 µs/s measured on the
	 * reference VM), and a grid fixed at the start judged every round late (> 1 ms off)
	 * after ~16 min. A regular tick (within an eighth of a tick of the grid) pulls grid0 an
	 * eighth of the way towards itself: drift is followed, one held-up tick barely moves it.
	 * `off` is how late this tick is on its own grid (a tick held up by half a tick or more
	 * rounds to the next one and shows as early: user space judges both). */
	m = (now - cc->grid0 + tick / 2) / tick;
	off = (__s64)(now - cc->grid0) - (__s64)(m * tick);
	lim = tick / 8;
	if (off >= 0 && off < lim)
		cc->grid0 += (__u64)off / 8;
	else if (off < 0 && off > -lim)
		cc->grid0 -= (__u64)-off / 8;
	grid = bpf_map_lookup_elem(&clock_grids, &cpu);
	if (grid)
		*grid = cc->grid0;
	/* The shared grid (period 0 starts at origin) is rank 0's, followed as it drifts; the
	 * seed before the origin, so that whoever sees an origin sees its seed. */
	if (cpu == *rank0) {
		if (!cs->origin_ns)
			__sync_val_compare_and_swap(&cs->seed, 0, (__u64)bpf_get_prandom_u32() | (1ULL << 32));
		cs->origin_ns = cc->grid0;
	}
	if (!cs->origin_ns)
		return 0;
	/* Every CPU ticks, interleaved: user space starts rank i's event i/cpus of a tick after
	 * rank 0's, so together they tick every tick/cpus, a slot each. The instant of period k
	 * is one of its ticks * cpus slots, drawn like the tick (dither_tick), so the CPU is
	 * drawn with the instant (due_instant). Its CPU's tick takes the round; when that vCPU
	 * is not running (or the program was skipped there; here an idle vCPU's cpu-clock timer
	 * does not fire) the first tick of any CPU after the instant takes it, a slot or so
	 * later: an on-time sample, judged by user space on the taking CPU's own grid.
	 * Instants of one CPU alone come only while its vCPU runs, and on a VM whose host does
	 * not run all vCPUs side by side they see the threads queued on the others waiting more
	 * often than they are (+0.29 readers in RUNQ with the clock on CPU 0 alone here, +0.8 on
	 * a CI machine; +0.01 spread; docs/bpf-source.md). */
	cpus = cs->cpus ? cs->cpus : 1;
	slot_ns = tick / cpus;
	mine = now - off; /* this tick on this CPU's grid */
	if (!slot_ns || mine + slot_ns / 2 < cs->origin_ns)
		return 0;
	/* The latest period whose instant this tick is at or after: the one it is in, else the
	 * one before. Periods before that one and not taken are skipped (no tick at or after
	 * their instant came before the next one's: user space counts them late); a tick never
	 * takes an older round, so the clock cannot fall behind when a CPU does not tick. */
	next = cs->next_period;
	k = (mine + slot_ns / 2 - cs->origin_ns) / (tick * cs->ticks);
	if (k < next)
		return 0;
	due = due_instant(cs, k, cpus, slot_ns, &due_cpu);
	/* The due CPU's own tick (nearest the instant on its grid), or any CPU's at or after it. */
	if (cpu == due_cpu ? mine + slot_ns / 2 < due : mine < due) {
		if (k == next)
			return 0;
		k--;
		due = due_instant(cs, k, cpus, slot_ns, &due_cpu);
		if (cpu == due_cpu ? mine + slot_ns / 2 < due : mine < due)
			return 0;
	}
	/* One round at a time; the period to the first CPU that claims it. */
	if (__sync_val_compare_and_swap(&clock_busy, 0, 1) != 0)
		return 0;
	if (__sync_val_compare_and_swap(&cs->next_period, next, k + 1) != next) {
		clock_busy = 0;
		return 0;
	}
	if (k > next) {
		__u32 passed = 2;
		__u64 *v = bpf_map_lookup_elem(&clock_lost, &passed);

		if (v)
			__sync_fetch_and_add(v, k - next);
	}
	start.seq = ++clock_seq;
	start.ktime_ns = now;
	start.due_ns = due;
	start.tick_ns = mine;
	start.period = k;
	take_round(&start, now, cpu, rq_clock);
	clock_busy = 0;
	return 0;
}
