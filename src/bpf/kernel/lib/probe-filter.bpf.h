/* SPDX-License-Identifier: GPL-2.0 */
/* The generic tracers' filters: a stack machine running a probe's bytecode
 * (probe_desc.insns, compiled by src/tools/probe-filter.ts) over its slot values and
 * strings. At most PROBE_INSNS steps, run by bpf_loop (one step verified, not every path);
 * the stack lives in the per-CPU map probe_vm (defined here: include this header once per
 * object) and every index is masked. Opcodes: OP in probe-filter.ts. */
#ifndef TSNAP_LIB_PROBE_FILTER_BPF_H
#define TSNAP_LIB_PROBE_FILTER_BPF_H

#include "probe-args.bpf.h"

#define PF_STACK 8

enum {
	PF_END, PF_IMM, PF_SLOT, PF_STREQ, PF_ADD, PF_SUB, PF_MUL, PF_UDIV, PF_SDIV, PF_UMOD,
	PF_SMOD, PF_AND, PF_OR, PF_XOR, PF_SHL, PF_SHR, PF_SAR, PF_EQ, PF_NE, PF_ULT, PF_SLT,
	PF_ULE, PF_SLE, PF_LAND, PF_LOR, PF_NOT, PF_NEG, PF_BNOT,
};

struct probe_vm {
	__u64 st[PF_STACK];
	__u32 sp;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_vm);
} probe_vm SEC(".maps");

static __always_inline __u64 pf_abs(__u64 v)
{
	return (__s64)v < 0 ? -v : v;
}

static __always_inline __u64 pf_binary(__u8 op, __u64 a, __u64 b)
{
	__u64 q;

	switch (op) {
	case PF_ADD: return a + b;
	case PF_SUB: return a - b;
	case PF_MUL: return a * b;
	case PF_UDIV: return b ? a / b : 0;
	case PF_SDIV:
		if (!b)
			return 0;
		q = pf_abs(a) / pf_abs(b);
		return ((__s64)a < 0) != ((__s64)b < 0) ? -q : q;
	case PF_UMOD: return b ? a % b : a;
	case PF_SMOD:
		if (!b)
			return a;
		q = pf_abs(a) % pf_abs(b);
		return (__s64)a < 0 ? -q : q;
	case PF_AND: return a & b;
	case PF_OR: return a | b;
	case PF_XOR: return a ^ b;
	case PF_SHL: return a << (b & 63);
	case PF_SHR: return a >> (b & 63);
	case PF_SAR: return (__u64)((__s64)a >> (b & 63));
	case PF_EQ: return a == b;
	case PF_NE: return a != b;
	case PF_ULT: return a < b;
	case PF_SLT: return (__s64)a < (__s64)b;
	case PF_ULE: return a <= b;
	case PF_SLE: return (__s64)a <= (__s64)b;
	case PF_LAND: return a && b;
	case PF_LOR: return a || b;
	default: return 0;
	}
}

/* 1 when the NUL-terminated string a equals b (both PROBE_STR_LEN bytes at most). */
static __always_inline int pf_streq(const char *a, const char *b)
{
	for (int j = 0; j < PROBE_STR_LEN; j++) {
		if (a[j] != b[j])
			return 0;
		if (!a[j])
			return 1;
	}
	return 1;
}

struct pf_run {
	const struct probe_desc *d;
	const __u64 *vals;
	const char *strs;
	struct probe_vm *vm;
	int bad;
};

/* One instruction (bpf_loop's callback): 1 stops the loop (the end, or a malformed program). */
static long pf_step(__u64 i, void *ctx)
{
	struct pf_run *r = ctx;
	const struct probe_insn *in = &r->d->insns[i & (PROBE_INSNS - 1)];
	struct probe_vm *vm = r->vm;
	__u8 op = in->op;
	__u32 sp = vm->sp;
	__u64 a, b, t;

	if (op == PF_END)
		return 1;
	if (op == PF_IMM || op == PF_SLOT || op == PF_STREQ) {
		if (sp >= PF_STACK)
			goto bad;
		if (op == PF_IMM)
			t = in->imm;
		else if (op == PF_SLOT)
			t = r->vals[in->arg & (PROBE_SLOTS - 1)];
		else
			t = pf_streq(r->strs + (in->arg & (PROBE_SLOTS - 1)) * PROBE_STR_LEN,
				     r->d->consts[in->imm & (PROBE_CONSTS - 1)]);
		vm->st[sp & (PF_STACK - 1)] = t;
		vm->sp = sp + 1;
		return 0;
	}
	if (sp < 1 || sp > PF_STACK)
		goto bad;
	a = vm->st[(sp - 1) & (PF_STACK - 1)];
	if (op == PF_NOT || op == PF_NEG || op == PF_BNOT) {
		vm->st[(sp - 1) & (PF_STACK - 1)] = op == PF_NOT ? !a : op == PF_NEG ? -a : ~a;
		return 0;
	}
	if (sp < 2)
		goto bad;
	b = a;
	a = vm->st[(sp - 2) & (PF_STACK - 1)];
	if (in->arg) {
		t = a;
		a = b;
		b = t;
	}
	vm->st[(sp - 2) & (PF_STACK - 1)] = pf_binary(op, a, b);
	vm->sp = sp - 1;
	return 0;
bad:
	r->bad = 1;
	return 1;
}

/* 1 when the probe's filter passes (no filter: always), 0 when it fails or is malformed.
 * vals: PROBE_SLOTS numbers; strs: PROBE_SLOTS strings of PROBE_STR_LEN bytes. bpf_loop
 * runs the instructions, so the verifier checks one step, not every path through them. */
static __always_inline int probe_filter(const struct probe_desc *d, const __u64 *vals, const char *strs)
{
	__u32 zero = 0;
	struct pf_run r = { .d = d, .vals = vals, .strs = strs };

	if (d->insns[0].op == PF_END)
		return 1;
	r.vm = bpf_map_lookup_elem(&probe_vm, &zero);
	if (!r.vm)
		return 0;
	r.vm->sp = 0;
	bpf_loop(PROBE_INSNS, pf_step, &r, 0);
	return !r.bad && r.vm->sp == 1 && r.vm->st[0] != 0;
}

/* Every slot of `d` read at this hit into vals and strs; 1 when the hit passes d's filter. */
static __always_inline int probe_read_hit(void *ctx, int is_tp, const struct probe_desc *d, __u64 *vals,
					  char (*strs)[PROBE_STR_LEN])
{
	for (int i = 0; i < PROBE_SLOTS; i++) {
		vals[i] = 0;
		strs[i][0] = 0;
		probe_read_slot(ctx, is_tp, &d->slots[i], &vals[i], strs[i]);
	}
	return probe_filter(d, vals, &strs[0][0]);
}

/* A tool's two programs, PREFIX_uprobe (uprobes, uretprobes, USDT) and PREFIX_tracepoint,
 * each calling handler(ctx, is_tp). */
#define PROBE_PROGRAMS(prefix, handler)                  \
	SEC("uprobe")                                    \
	int prefix##_uprobe(struct pt_regs *ctx)         \
	{                                                \
		handler(ctx, 0);                         \
		return 0;                                \
	}                                                \
	SEC("tracepoint")                                \
	int prefix##_tracepoint(void *ctx)               \
	{                                                \
		handler(ctx, 1);                         \
		return 0;                                \
	}

#endif
