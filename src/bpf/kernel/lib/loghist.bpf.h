/* SPDX-License-Identifier: GPL-2.0 */
/* The value of a histogram tool's map (biolatency, runqlat, ...): bcc's log2 slots, the
 * sum of the measured times and the name of the task that created the entry. Helpers
 * only (the includer owns the maps). src/tools/hist-tool.ts declares the same layout
 * (LOG_HIST; the size is checked when the map is read). Include lib/hist.bpf.h first. */
#ifndef TSNAP_LIB_LOGHIST_BPF_H
#define TSNAP_LIB_LOGHIST_BPF_H

struct log_hist {
	__u32 slots[HIST_SLOTS];
	__u64 sum_ns;
	char comm[16];
};

/* The maps of a histogram tool (10240 entries each; user space reads them through
 * src/tools/hist-source.ts, which also reads a `lost` COUNTER_ARRAY of 2):
 *   LOG_HIST_MAP(hists, struct my_key);  key → struct log_hist
 *   START_TIME_MAP(start);               thread id → the start of what is timed (ns) */
#define LOG_HIST_MAP(name, key_type)             \
	struct {                                 \
		__uint(type, BPF_MAP_TYPE_HASH); \
		__uint(max_entries, 10240);      \
		__type(key, key_type);           \
		__type(value, struct log_hist);  \
	} name SEC(".maps")

#define START_TIME_MAP(name)                     \
	struct {                                 \
		__uint(type, BPF_MAP_TYPE_HASH); \
		__uint(max_entries, 10240);      \
		__type(key, __u32);              \
		__type(value, __u64);            \
	} name SEC(".maps")

/* The entry of `key` in the hash map `map`, created zeroed (with the name at `comm`, a
 * kernel address, when not NULL) if absent; NULL when the map is full. */
static __always_inline struct log_hist *log_hist_get(void *map, const void *key, const char *comm)
{
	struct log_hist *h = bpf_map_lookup_elem(map, key);
	struct log_hist zero = {};

	if (h)
		return h;
	if (comm)
		bpf_probe_read_kernel_str(zero.comm, sizeof(zero.comm), comm);
	bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* One more measurement: `v` in the histogram's unit picks the slot, `ns` adds to the sum. */
static __always_inline void log_hist_add(struct log_hist *h, __u64 v, __u64 ns)
{
	__u32 slot = hist_log2_slot(v, HIST_SLOTS);

	__sync_fetch_and_add(&h->slots[slot & (HIST_SLOTS - 1)], 1);
	__sync_fetch_and_add(&h->sum_ns, ns);
}

#endif
