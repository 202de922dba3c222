/* SPDX-License-Identifier: GPL-2.0 */
/* The values a generic tracer (argdist, trace) reads at a probe: each probe's table of
 * value slots (where a value is: a tracepoint record field, a register of the probe's
 * pt_regs, user memory at a register plus a displacement as USDT arguments say, a
 * constant; read as a number or as a string), its filter's bytecode (probe-filter.bpf.h)
 * and string constants. Layouts: SLOT, INSN and DESC in src/tools/probe-values.ts.
 * Helpers and declarations only (no maps, no programs). */
#ifndef TSNAP_LIB_PROBE_ARGS_BPF_H
#define TSNAP_LIB_PROBE_ARGS_BPF_H

#define PROBE_SLOTS 8
#define PROBE_INSNS 32
#define PROBE_CONSTS 4
#define PROBE_STR_LEN 64

#define PS_NONE 0
#define PS_FIELD 1	/* the tracepoint record at offset */
#define PS_REG 2	/* pt_regs at offset */
#define PS_MEM 3	/* user memory at (the register at offset) + imm */
#define PS_CONST 4	/* imm */

#define PS_STR_NO 0	  /* a number */
#define PS_STR_USER 1	  /* a NUL-terminated string at the value, a user address */
#define PS_STR_KERNEL 2	  /* ... a kernel address */
#define PS_STR_INLINE 3	  /* a char array inside the tracepoint record */
#define PS_STR_DATA_LOC 4 /* a __data_loc string of the tracepoint record */

struct probe_slot {
	__u8 source;
	__u8 size;	/* 1, 2, 4 or 8 */
	__u8 is_signed;
	__u8 str;
	__u16 offset;
	__u16 pad;
	__s64 imm;
};

struct probe_insn {
	__u8 op;
	__u8 arg;
	__u16 pad;
	__u32 pad2;
	__u64 imm;
};

struct probe_desc {
	struct probe_slot slots[PROBE_SLOTS];
	struct probe_insn insns[PROBE_INSNS];
	char consts[PROBE_CONSTS][PROBE_STR_LEN];
};

/* A generic tracer's read-only config (`const volatile struct probe_config cfg`;
 * PROBE_CONFIG in probe-values.ts). */
struct probe_config {
	__u32 filter_pid;	/* 0: every process */
	__u32 pad;
};

/* A tool's probe table: one `value` per probe, indexed by its attach cookie (user space
 * sets max_entries before load). */
#define PROBE_TABLE(name, vtype)                   \
	struct {                                   \
		__uint(type, BPF_MAP_TYPE_ARRAY);  \
		__uint(max_entries, 1);            \
		__type(key, __u32);                \
		__type(value, vtype);              \
	} name SEC(".maps")

/* A pointer's value as a plain number (the verifier refuses variable offsets on ctx). */
static __always_inline __u64 ptr_bits(void *p)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

/* Slot `s` at this hit: its number in *val (sign- or zero-extended from its size), or its
 * string in str (PROBE_STR_LEN bytes). `is_tp`: ctx is a tracepoint record, else pt_regs. */
static __always_inline void probe_read_slot(void *ctx, int is_tp, const struct probe_slot *s,
					    __u64 *val, char *str)
{
	__u64 base = ptr_bits(ctx), v = 0, addr = 0;
	__u32 sz = s->size, shift;
	__u8 kind = s->str;

	if (s->source == PS_FIELD) {
		if (!is_tp)
			return;
		if (kind == PS_STR_INLINE) {
			bpf_probe_read_kernel_str(str, PROBE_STR_LEN, (void *)(base + s->offset));
			return;
		}
		if (kind == PS_STR_DATA_LOC) {
			__u32 loc = 0;

			bpf_probe_read_kernel(&loc, sizeof(loc), (void *)(base + s->offset));
			bpf_probe_read_kernel_str(str, PROBE_STR_LEN, (void *)(base + (loc & 0xffff)));
			return;
		}
		if (sz == 0 || sz > 8)
			return;
		bpf_probe_read_kernel(&v, sz, (void *)(base + s->offset));
	} else if (s->source == PS_REG || s->source == PS_MEM) {
		if (is_tp)
			return;
		bpf_probe_read_kernel(&v, sizeof(v), (void *)(base + (s->offset & 0xff)));
		if (s->source == PS_MEM) {
			addr = v + s->imm;
			v = 0;
			if (sz == 0 || sz > 8)
				return;
			bpf_probe_read_user(&v, sz, (void *)addr);
		}
	} else if (s->source == PS_CONST) {
		v = s->imm;
	} else {
		return;
	}
	if (kind == PS_STR_USER) {
		bpf_probe_read_user_str(str, PROBE_STR_LEN, (void *)v);
		return;
	}
	if (kind == PS_STR_KERNEL) {
		bpf_probe_read_kernel_str(str, PROBE_STR_LEN, (void *)v);
		return;
	}
	if (sz > 0 && sz < 8) {
		shift = 64 - sz * 8;
		v = s->is_signed ? (__u64)(((__s64)(v << shift)) >> shift) : (v << shift) >> shift;
	}
	*val = v;
}

#endif
