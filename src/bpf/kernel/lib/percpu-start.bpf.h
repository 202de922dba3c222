/* SPDX-License-Identifier: GPL-2.0 */
/* The start of what runs on a CPU without nesting in itself (a hard or soft interrupt
 * handler): one u64 per CPU (helpers only: the includer names the map).
 *
 *   PERCPU_START_MAP(start);
 *   percpu_start_set(&start, ts);          at the entry
 *   ns = percpu_start_take(&start, ts);    at the exit: ns since the entry, 0 when none
 *                                          was noted (attached mid-handler) */
#ifndef TSNAP_LIB_PERCPU_START_BPF_H
#define TSNAP_LIB_PERCPU_START_BPF_H

#define PERCPU_START_MAP(name)                           \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, 1);                  \
		__type(key, __u32);                      \
		__type(value, __u64);                    \
	} name SEC(".maps")

static __always_inline void percpu_start_set(void *map, __u64 ts)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(map, &zero);

	if (v)
		*v = ts;
}

static __always_inline __u64 percpu_start_take(void *map, __u64 ts)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(map, &zero);
	__u64 start;

	if (!v || !*v)
		return 0;
	start = *v;
	*v = 0;
	return ts > start ? ts - start : 0;
}

#endif
