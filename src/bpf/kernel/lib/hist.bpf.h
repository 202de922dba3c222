/* SPDX-License-Identifier: GPL-2.0 */
/* In-kernel histogram helpers (no maps, no programs), the one place slots are computed
 * in BPF code:
 * - hist_log2_slot: bcc's log2 histogram slot (log2_hist / `tsnap` printers:
 *   src/report/log2-hist.ts), capped at the last slot;
 * - hist_linear_slot: a linear histogram slot ((v - min) / step, clamped);
 * - hist_bucket_ns: the latency buckets, bcc's log2 slot of the µs value refined into
 *   HIST_SUBS linear sub-buckets per slot, so that percentiles are accurate to a few % and
 *   folding sub-buckets back into bcc's slots is exact. The same arithmetic is in
 *   src/model/latency-buckets.ts (latency-buckets.test.ts checks the constants agree). */
#ifndef TSNAP_LIB_HIST_BPF_H
#define TSNAP_LIB_HIST_BPF_H

#define HIST_SLOTS 32
#define HIST_SUB_BITS 4
#define HIST_SUBS (1 << HIST_SUB_BITS)
#define HIST_BUCKETS (HIST_SLOTS * HIST_SUBS)

/* floor(log2(v)) for v > 0, 0 for v == 0 (bcc's log2). */
static __always_inline __u32 hist_log2_32(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 hist_log2(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? hist_log2_32(hi) + 32 : hist_log2_32((__u32)v);
}

/* bcc's log2 slot of v (slot 0 holds 0 and 1), the last of `slots` holding everything above. */
static __always_inline __u32 hist_log2_slot(__u64 v, __u32 slots)
{
	__u32 s = hist_log2(v);

	return s < slots ? s : slots - 1;
}

/* Linear slot of v: (v - min) / step, values below min in slot 0, above in the last. */
static __always_inline __u32 hist_linear_slot(__u64 v, __u64 min, __u64 step, __u32 slots)
{
	__u64 s;

	if (v <= min || !step)
		return 0;
	s = (v - min) / step;
	return s < slots ? (__u32)s : slots - 1;
}

/* Bucket of a latency in ns: slot * HIST_SUBS + sub, always < HIST_BUCKETS. */
static __always_inline __u32 hist_bucket_ns(__u64 ns)
{
	__u64 us = ns / 1000;
	__u32 slot = hist_log2(us);
	__u32 sub;

	if (slot >= HIST_SLOTS)
		return HIST_BUCKETS - 1; /* the last sub-bucket of the last slot */
	if (slot >= HIST_SUB_BITS)
		sub = (us >> (slot - HIST_SUB_BITS)) & (HIST_SUBS - 1);
	else
		sub = (__u32)us - (slot ? (1u << slot) : 0);
	return (slot * HIST_SUBS + sub) & (HIST_BUCKETS - 1);
}

#endif
