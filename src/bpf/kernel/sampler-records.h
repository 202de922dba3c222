/* Generated from src/sources/bpf/records.ts by `node dist/src/sources/bpf/gen-header.js`. */
/* Do not edit: change records.ts and regenerate (records.test.ts checks they agree). */
#ifndef TSNAP_SAMPLER_RECORDS_H
#define TSNAP_SAMPLER_RECORDS_H

#define REC_TASK 1
#define REC_STACK 2
#define REC_ROUND_END 3
#define REC_SYSC_END 4
#define REC_IORQ_END 5
#define REC_ROUND_START 6
#define RF_INCOMPLETE 1
#define TF_IN_SYSCALL 1
#define TF_SYSC_FROM_REGS 2
#define TF_KTHREAD 4
#define TF_IORQ_INFLIGHT 8
#define MAX_FRAMES 64
#define FILENAME_LEN 64
#define NR_SYSCALL_SLOTS 512

struct tsnap_config {
	__u32 self_tgid; /* offset 0 */
	__u8 filter_pids; /* offset 4 */
	__u8 all_tasks; /* offset 5 */
	__u8 want_kstack; /* offset 6 */
	__u8 want_ustack; /* offset 7 */
	__u8 want_filename; /* offset 8 */
	__u8 track_syscalls; /* offset 9 */
	__u8 track_iorq; /* offset 10 */
	__u8 want_args; /* offset 11 */
	__u8 fd_syscalls[512]; /* offset 12 */
	__u32 count_tgid; /* offset 524 */
	__u8 as_found; /* offset 528 */
};
_Static_assert(sizeof(struct tsnap_config) == 532, "tsnap_config size");

struct task_rec {
	__u32 kind; /* offset 0 */
	__u32 size; /* offset 4 */
	__u32 tid; /* offset 8 */
	__u32 tgid; /* offset 12 */
	__u32 ppid; /* offset 16 */
	__u32 state; /* offset 20 */
	__u32 exit_state; /* offset 24 */
	__u32 task_flags; /* offset 28 */
	__u32 on_cpu; /* offset 32 */
	__u32 cpu; /* offset 36 */
	__u32 pidns; /* offset 40 */
	__u32 uid; /* offset 44 */
	__u32 flags; /* offset 48 */
	__s32 sysc_nr; /* offset 52 */
	__u64 cgroup_id; /* offset 56 */
	__u64 utime_ns; /* offset 64 */
	__u64 stime_ns; /* offset 72 */
	__u64 sysc_entry_ns; /* offset 80 */
	__u64 sysc_ns_so_far; /* offset 88 */
	__u64 sysc_seq; /* offset 96 */
	__u64 iorq_seq; /* offset 104 */
	__u64 args[6]; /* offset 112 */
	__u64 kstack_hash; /* offset 160 */
	__u64 ustack_hash; /* offset 168 */
	char comm[16]; /* offset 176 */
	char filename[64]; /* offset 192 */
};
_Static_assert(sizeof(struct task_rec) == 256, "task_rec size");

struct stack_rec {
	__u32 kind; /* offset 0 */
	__u32 size; /* offset 4 */
	__u64 hash; /* offset 8 */
	__u32 user; /* offset 16 */
	__u32 nframes; /* offset 20 */
	__u64 frames[64]; /* offset 24 */
};
_Static_assert(sizeof(struct stack_rec) == 536, "stack_rec size");

struct round_start_rec {
	__u32 kind; /* offset 0 */
	__u32 size; /* offset 4 */
	__u64 seq; /* offset 8 */
	__u64 ktime_ns; /* offset 16 */
	__u64 due_ns; /* offset 24 */
	__u64 period; /* offset 32 */
	__u64 tick_ns; /* offset 40 */
};
_Static_assert(sizeof(struct round_start_rec) == 48, "round_start_rec size");

struct round_end_rec {
	__u32 kind; /* offset 0 */
	__u32 size; /* offset 4 */
	__u32 visited; /* offset 8 */
	__u32 emitted; /* offset 12 */
	__u64 ktime_ns; /* offset 16 */
	__u64 seq; /* offset 24 */
	__u32 self_oncpu; /* offset 32 */
	__u32 self_runnable; /* offset 36 */
	__u32 flags; /* offset 40 */
	__u32 woken_late; /* offset 44 */
	__u64 walk_ns; /* offset 48 */
};
_Static_assert(sizeof(struct round_end_rec) == 56, "round_end_rec size");

struct sysc_end_rec {
	__u32 kind; /* offset 0 */
	__u32 size; /* offset 4 */
	__u32 tid; /* offset 8 */
	__u32 tgid; /* offset 12 */
	__s32 nr; /* offset 16 */
	__u32 pad0; /* offset 20 */
	__u64 seq; /* offset 24 */
	__u64 enter_ns; /* offset 32 */
	__u64 duration_ns; /* offset 40 */
	__s64 ret; /* offset 48 */
};
_Static_assert(sizeof(struct sysc_end_rec) == 56, "sysc_end_rec size");

struct iorq_end_rec {
	__u32 kind; /* offset 0 */
	__u32 size; /* offset 4 */
	__u32 insert_tid; /* offset 8 */
	__u32 insert_tgid; /* offset 12 */
	__u32 issue_tid; /* offset 16 */
	__u32 issue_tgid; /* offset 20 */
	__u32 complete_tid; /* offset 24 */
	__u32 complete_tgid; /* offset 28 */
	__u32 dev; /* offset 32 */
	__u32 bytes; /* offset 36 */
	__u32 cmd_flags; /* offset 40 */
	__s32 error; /* offset 44 */
	__u64 sector; /* offset 48 */
	__u64 seq; /* offset 56 */
	__u64 insert_ns; /* offset 64 */
	__u64 issue_ns; /* offset 72 */
	__u64 complete_ns; /* offset 80 */
};
_Static_assert(sizeof(struct iorq_end_rec) == 88, "iorq_end_rec size");

struct clock_state {
	__u64 tick_ns; /* offset 0 */
	__u64 ticks; /* offset 8 */
	__u64 origin_ns; /* offset 16 */
	__u64 seed; /* offset 24 */
	__u64 next_period; /* offset 32 */
	__u64 cpus; /* offset 40 */
};
_Static_assert(sizeof(struct clock_state) == 48, "clock_state size");

#endif
