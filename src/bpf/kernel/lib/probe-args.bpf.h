/* SPDX-License-Identifier: GPL-2.0 */
/* Reading a probe's arguments by number, for the generic tracers (argdist, trace): helpers
 * only (no maps, no programs). */
#ifndef TSNAP_LIB_PROBE_ARGS_BPF_H
#define TSNAP_LIB_PROBE_ARGS_BPF_H

/* A pointer's value as a plain number (the verifier refuses variable offsets on ctx). */
static __always_inline __u64 ptr_bits(void *p)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

/* Parameter n (1-6) of a uprobe from its registers. */
static __always_inline __u64 param_reg(struct pt_regs *ctx, __u8 n)
{
	switch (n) {
	case 1: return PT_REGS_PARM1(ctx);
	case 2: return PT_REGS_PARM2(ctx);
	case 3: return PT_REGS_PARM3(ctx);
	case 4: return PT_REGS_PARM4(ctx);
	case 5: return PT_REGS_PARM5(ctx);
	default: return BPF_CORE_READ(ctx, r9); /* the 6th on x86-64 (libbpf 1.1 has no PARM6) */
	}
}

#endif
