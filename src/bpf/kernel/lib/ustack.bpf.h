/* SPDX-License-Identifier: GPL-2.0 */
/* User stacks for unwinding in user space (perf --call-graph dwarf's kernel half): the
 * user registers of the current task and a copy of its user stack from sp up, as one
 * record (helpers, the record layout, and USTACK_DWARF_MAPS() with which the includer
 * declares its ring and scratch map). The layout is declared once more in src/tools/unwind-stacks.ts. */
#ifndef TSNAP_LIB_USTACK_BPF_H
#define TSNAP_LIB_USTACK_BPF_H

/* Largest user stack copy (bytes); the scratch value has a page more of room. */
#define USTACK_MAX_BYTES 65536
#define USTACK_PAGE 4096
#define USTACK_PF_KTHREAD 0x00200000

/* The maps of --unwind dwarf, in the includer (include lib/maps.bpf.h first): the records
 * (user space sizes the ring), one scratch record per CPU (max_entries: the possible
 * CPUs, set by user space; too large for a per-CPU value), and records lost. */
#define USTACK_DWARF_MAPS()                                \
	struct {                                           \
		__uint(type, BPF_MAP_TYPE_RINGBUF);        \
		__uint(max_entries, 4096);                 \
	} ustacks SEC(".maps");                            \
	struct {                                           \
		__uint(type, BPF_MAP_TYPE_ARRAY);          \
		__type(key, __u32);                        \
		__type(value, struct ustack_buf);          \
		__uint(max_entries, 1);                    \
	} ustack_scratch SEC(".maps");                     \
	COUNTER_ARRAY(ustack_lost, 1)

/* Record kinds. */
#define USTACK_COUNT 1   /* a stack and its value (profile: one sample) */
#define USTACK_PENDING 2 /* a stack whose value comes later (offcputime: leaving a CPU at `ts`) */
#define USTACK_VALUE 3   /* the value of thread `tid`'s pending stack of `ts` (no stack bytes) */

/* Flags. */
#define USTACK_F_NO_USER 1 /* a kernel thread, or no user registers: no user stack */

struct ustack_rec {
	__u32 kind;
	__u32 tgid;
	__u32 tid;
	__s32 kern_stack_id;
	__u64 value;
	__u64 ts;
	__u64 ip;
	__u64 sp;
	__u64 bp;
	__u32 stack_len; /* bytes of stack that follow, copied from address sp */
	__u32 flags;
	char comm[16];
};
_Static_assert(sizeof(struct ustack_rec) == 80, "ustack_rec size");

struct ustack_buf {
	struct ustack_rec h;
	__u8 stack[USTACK_MAX_BYTES + USTACK_PAGE];
};

/* The current task's saved user registers (its pt_regs at kernel entry); -1 for a kernel thread. */
static __always_inline int ustack_task_regs(struct ustack_rec *h)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pt_regs *u;

	if (BPF_CORE_READ(t, flags) & USTACK_PF_KTHREAD)
		return -1;
	u = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!u)
		return -1;
	h->ip = BPF_CORE_READ(u, ip);
	h->sp = BPF_CORE_READ(u, sp);
	h->bp = BPF_CORE_READ(u, bp);
	return 0;
}

/* Copies up to `want` bytes of user memory from `sp` page by page into dst (room for
 * USTACK_MAX_BYTES + a page), stopping at the first page that cannot be read (the top of
 * the stack, or a page not resident); returns the bytes copied. */
static __always_inline __u32 ustack_copy(__u8 *dst, __u64 sp, __u32 want)
{
	__u32 off = 0;

	if (want > USTACK_MAX_BYTES)
		want = USTACK_MAX_BYTES;
	for (int i = 0; i < USTACK_MAX_BYTES / USTACK_PAGE + 1; i++) {
		__u64 a = sp + off;
		__u32 len = USTACK_PAGE - (a & (USTACK_PAGE - 1));

		if (off >= want)
			break;
		if (len > want - off)
			len = want - off;
		if (off > USTACK_MAX_BYTES || len > USTACK_PAGE || len == 0)
			break;
		if (bpf_probe_read_user(dst + off, len, (void *)a))
			break;
		off += len;
	}
	return off;
}

/* Fills the registers (from `sampled` when it was taken in user mode, else the task's saved
 * ones) and the stack copy of `b`; returns the record's size for bpf_ringbuf_output. */
static __always_inline __u32 ustack_fill(struct ustack_buf *b, int sampled_user, __u64 ip, __u64 sp,
					 __u64 bp, __u32 want)
{
	__u32 n;

	b->h.stack_len = 0;
	b->h.flags = 0;
	if (sampled_user) {
		b->h.ip = ip;
		b->h.sp = sp;
		b->h.bp = bp;
	} else if (ustack_task_regs(&b->h)) {
		b->h.ip = b->h.sp = b->h.bp = 0;
		b->h.flags = USTACK_F_NO_USER;
		return sizeof(struct ustack_rec);
	}
	b->h.stack_len = ustack_copy(b->stack, b->h.sp, want);
	n = sizeof(struct ustack_rec) + b->h.stack_len;
	if (n > sizeof(struct ustack_buf))
		n = sizeof(struct ustack_buf);
	return n;
}

#endif
