/* SPDX-License-Identifier: GPL-2.0 */
/* What the block tools read from a struct request (helpers only: no maps, no programs):
 *
 *   rq_dev(rq)    the disk's dev_t as MKDEV(major, first_minor) (0 without a disk)
 *   rq_flags(rq)  the op and flags as tsnap's fixed numbers: the op in the low 8 bits,
 *                 flag bits from bit 8 (src/tools/block-devices.ts: OP_NAMES, FLAG_NAMES).
 *                 They are read with the running kernel's bit numbers (CO-RE enum values),
 *                 which move between kernel versions.
 * Include vmlinux.h and bpf_core_read.h first. */
#ifndef TSNAP_LIB_BLK_BPF_H
#define TSNAP_LIB_BLK_BPF_H

static __always_inline __u32 rq_dev(struct request *rq)
{
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);

	if (!disk)
		return 0;
	return ((__u32)BPF_CORE_READ(disk, major) << 20) | (__u32)BPF_CORE_READ(disk, first_minor);
}

#define FLAG(bit, out) (f & (1ULL << bpf_core_enum_value(enum req_flag_bits, bit)) ? (1u << (8 + (out))) : 0)
#define OP(name, out)                                                   \
	if (op == bpf_core_enum_value(enum req_op, name))               \
		return (out) | flags;

/* The request's op and flags as tsnap's fixed numbers (the kernel's bits move between versions). */
static __always_inline __u32 rq_flags(struct request *rq)
{
	__u64 f = BPF_CORE_READ(rq, cmd_flags);
	__u32 op = f & ((1u << bpf_core_enum_value(enum req_flag_bits, __REQ_FAILFAST_DEV)) - 1);
	__u32 flags = FLAG(__REQ_NOWAIT, 0) | FLAG(__REQ_BACKGROUND, 1) | FLAG(__REQ_RAHEAD, 2) |
		      FLAG(__REQ_PREFLUSH, 3) | FLAG(__REQ_FUA, 4) | FLAG(__REQ_INTEGRITY, 5) |
		      FLAG(__REQ_IDLE, 6) | FLAG(__REQ_NOMERGE, 7) | FLAG(__REQ_PRIO, 8) |
		      FLAG(__REQ_META, 9) | FLAG(__REQ_SYNC, 10);

	OP(REQ_OP_READ, 0);
	OP(REQ_OP_WRITE, 1);
	OP(REQ_OP_FLUSH, 2);
	OP(REQ_OP_DISCARD, 3);
	OP(REQ_OP_SECURE_ERASE, 4);
	OP(REQ_OP_ZONE_APPEND, 5);
	OP(REQ_OP_WRITE_ZEROES, 6);
	OP(REQ_OP_ZONE_OPEN, 7);
	OP(REQ_OP_ZONE_CLOSE, 8);
	OP(REQ_OP_ZONE_FINISH, 9);
	OP(REQ_OP_ZONE_RESET, 10);
	OP(REQ_OP_ZONE_RESET_ALL, 11);
	OP(REQ_OP_DRV_IN, 12);
	OP(REQ_OP_DRV_OUT, 13);
	return 0xff | flags; /* unknown */
}

#undef FLAG
#undef OP

#endif
