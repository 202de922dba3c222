/* SPDX-License-Identifier: GPL-2.0 */
/* Reading task_struct fields that moved between kernel versions (CO-RE guarded); helpers
 * only (no maps, no programs). */
#ifndef TSNAP_LIB_TASK_BPF_H
#define TSNAP_LIB_TASK_BPF_H

#define TASK_UNINTERRUPTIBLE_ 0x2
#define TASK_NOLOAD_ 0x400
#define PF_KTHREAD_ 0x00200000

/* Sixth syscall argument and the syscall number from saved registers, by direct load
 * through the BTF-typed pt_regs (libbpf 1.1 has argument macros only up to the fifth). */
#if defined(__TARGET_ARCH_x86)
#define SC_PARM6(x) ((x)->r9)
#define SC_NR(x) ((x)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define SC_PARM6(x) ((x)->regs[5])
#define SC_NR(x) ((x)->syscallno)
#else
#error "tsnap: unsupported architecture"
#endif

/* Before 5.14 the field was called `state`. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

/* Before 5.16 the CPU lived in task_struct, not thread_info. */
struct task_struct___precpu {
	unsigned int cpu;
} __attribute__((preserve_access_index));

/* State of a BTF-typed task pointer (direct loads). */
static __always_inline __u32 task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return t->__state;
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* The same through probe reads, for pointers the verifier does not type (raw_tp
 * arguments, pointers read from other structs). */
static __always_inline __u32 task_state_core(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

static __always_inline __u32 task_cpu_of(struct task_struct *t)
{
	if (bpf_core_field_exists(t->thread_info.cpu))
		return t->thread_info.cpu;
	return BPF_CORE_READ((struct task_struct___precpu *)t, cpu);
}

/* Inode number of the task's own pid namespace (as in /proc/PID/ns/pid). */
static __always_inline __u32 task_pidns(struct task_struct *t)
{
	struct pid *p = t->thread_pid;
	struct upid up = {};

	if (!p)
		return 0;
	if (bpf_probe_read_kernel(&up, sizeof(up), &p->numbers[p->level & 31]) || !up.ns)
		return 0;
	return BPF_CORE_READ(up.ns, ns.inum);
}

/* The same through probe reads, for pointers the verifier does not type (raw_tp). */
static __always_inline __u32 task_pidns_core(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	struct upid up = {};

	if (!p)
		return 0;
	if (bpf_probe_read_kernel(&up, sizeof(up), &p->numbers[BPF_CORE_READ(p, level) & 31]) || !up.ns)
		return 0;
	return BPF_CORE_READ(up.ns, ns.inum);
}

/* Active = on a CPU or runnable (RUN/RUNQ), or in uninterruptible sleep that counts
 * towards load (DISK). TASK_IDLE kernel threads are not active. */
static __always_inline int state_is_active(__u32 state)
{
	return state == 0 || ((state & TASK_UNINTERRUPTIBLE_) && !(state & TASK_NOLOAD_));
}

#endif
