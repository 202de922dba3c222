/* SPDX-License-Identifier: GPL-2.0 */
/* Map helpers (this header defines no map and no program itself; libbpf-tools' maps.bpf.h):
 *
 *   STACK_TRACE_MAP(stackmap);   a BPF_MAP_TYPE_STACK_TRACE map of PERF_MAX_STACK_DEPTH
 *                                frames per stack (user space sets max_entries before load)
 *   COUNTER_ARRAY(lost, 2);      an array of n u64 counters (index → count), e.g. events lost
 *   CGROUP_FILTER_MAP(cgroup_map);  the one-entry cgroup array a -c/--cgroup filter tests
 *                                with bpf_current_task_under_cgroup (bpf/cgroup-filter.ts sets it)
 *   count_add(&counts, &key, n); adds n to a u64 counter of a hash map, inserting it first;
 *                                0 when it could not (the map is full)
 */
#ifndef TSNAP_LIB_MAPS_BPF_H
#define TSNAP_LIB_MAPS_BPF_H

#ifndef PERF_MAX_STACK_DEPTH
#define PERF_MAX_STACK_DEPTH 127
#endif

#define STACK_TRACE_MAP(name)                                         \
	struct {                                                      \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);               \
		__uint(key_size, sizeof(__u32));                      \
		__uint(value_size, PERF_MAX_STACK_DEPTH * sizeof(__u64)); \
		__uint(max_entries, 16384);                           \
	} name SEC(".maps")

#define COUNTER_ARRAY(name, n)              \
	struct {                            \
		__uint(type, BPF_MAP_TYPE_ARRAY); \
		__uint(max_entries, n);         \
		__type(key, __u32);             \
		__type(value, __u64);           \
	} name SEC(".maps")

#define CGROUP_FILTER_MAP(name)                    \
	struct {                                   \
		__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY); \
		__uint(max_entries, 1);                \
		__type(key, __u32);                    \
		__type(value, __u32);                  \
	} name SEC(".maps")

/* Adds n to the u64 at key, creating it when absent. Another CPU may insert the same key
 * between the lookup and the insert: then n goes to the winner's counter. */
static __always_inline int count_add(void *map, const void *key, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(map, key);

	if (v) {
		__sync_fetch_and_add(v, n);
		return 1;
	}
	if (bpf_map_update_elem(map, key, &n, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(map, key);
		if (!v)
			return 0;
		__sync_fetch_and_add(v, n);
	}
	return 1;
}

#endif
