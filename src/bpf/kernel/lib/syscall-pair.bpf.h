/* SPDX-License-Identifier: GPL-2.0 */
/* A syscall followed from its entry tracepoint to its exit (opensnoop, statsnoop,
 * mountsnoop, filelife; gethostlatency's uprobe to its uretprobe alike): at entry the tool's start record is kept in the thread's entry of a
 * thread id → start hash; at exit it is taken back, one event is reserved in the ring
 * buffer (counted in `lost` when the ring is full), and the entry is forgotten. The maps
 * are the includer's (SYSCALL_PAIR_MAPS declares the usual three); this header only
 * helps. Include lib/maps.bpf.h and lib/ringbuf.bpf.h first. User space reads the two
 * `lost` slots through snoop-source.ts's ringSource (src/tools/syscall-pair.ts names them).
 *
 *   SYSCALL_PAIR_MAPS(struct my_start, 4 << 20);   starts, events (ring bytes), lost[2]
 *   pair_begin(&starts, &s, &lost)                  at entry: keep *s for this thread
 *   s = pair_start(&starts, &tid)                   at exit: this thread's start, or NULL
 *   e = pair_reserve(&events, sizeof(*e), &lost)    the event, or NULL (counted)
 *   pair_end(&starts, tid)                          forget the start (always, after exit)
 *   copy_user_str(dst, size, src)                   a user string, "" when NULL or unreadable
 */
#ifndef TSNAP_LIB_SYSCALL_PAIR_BPF_H
#define TSNAP_LIB_SYSCALL_PAIR_BPF_H

#define LOST_RING 0	/* events not reported: the ring buffer was full */
#define LOST_START 1	/* calls not followed: `starts` was full */

#define SYSCALL_PAIR_MAPS(start_type, ring_bytes)         \
	struct {                                          \
		__uint(type, BPF_MAP_TYPE_HASH);          \
		__uint(max_entries, 10240);               \
		__type(key, __u32);                       \
		__type(value, start_type);                \
	} starts SEC(".maps");                            \
	struct {                                          \
		__uint(type, BPF_MAP_TYPE_RINGBUF);       \
		__uint(max_entries, ring_bytes);          \
	} events SEC(".maps");                            \
	COUNTER_ARRAY(lost, 2)

/* Keeps the current thread's start record, counting a full map in lost[LOST_START]. */
static __always_inline void pair_begin(void *starts, const void *start, void *lost)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (bpf_map_update_elem(starts, &tid, start, BPF_ANY))
		count_in(lost, LOST_START);
}

/* The current thread's start record (its id in *tid), or NULL when none was kept. */
static __always_inline void *pair_start(void *starts, __u32 *tid)
{
	*tid = (__u32)bpf_get_current_pid_tgid();
	return bpf_map_lookup_elem(starts, tid);
}

/* The exit's event in the ring, or NULL (the ring was full: counted in lost[LOST_RING]). */
#define pair_reserve(ring, size, lost) ringbuf_reserve_counted(ring, size, lost, LOST_RING)

/* Forgets thread `tid`'s start record. */
static __always_inline void pair_end(void *starts, __u32 tid)
{
	bpf_map_delete_elem(starts, &tid);
}

/* A user string into dst, or "" for a NULL pointer or one that cannot be read. */
static __always_inline void copy_user_str(char *dst, __u32 size, const char *src)
{
	if (!src || bpf_probe_read_user_str(dst, size, src) < 0)
		dst[0] = 0;
}

#endif
