/* SPDX-License-Identifier: GPL-2.0 */
/* Ring buffer output that counts what it loses (helpers only: the caller owns the maps).
 * A full ring makes bpf_ringbuf_reserve/output fail and the record is gone without a
 * trace; these count each failure in a u64 slot of an ARRAY map that user space reads
 * (src/bpf/ringbuf.ts: lost()). */
#ifndef TSNAP_LIB_RINGBUF_BPF_H
#define TSNAP_LIB_RINGBUF_BPF_H

/* One more in slot `idx` of `counters` (an ARRAY map of __u64). */
static __always_inline void count_in(void *counters, __u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(counters, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* bpf_ringbuf_reserve, counting a failure in counters[idx]; NULL when the ring is full. */
#define ringbuf_reserve_counted(ring, size, counters, idx)                  \
	({                                                                  \
		void *__r = bpf_ringbuf_reserve(ring, size, 0);             \
		if (!__r)                                                   \
			count_in(counters, idx);                            \
		__r;                                                        \
	})

#endif
