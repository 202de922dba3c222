// SPDX-License-Identifier: GPL-2.0
/* tsnap cpufreq: the frequency each CPU runs at when it is sampled, per process name and
 * system-wide (bcc/libbpf-tools cpufreq). power:cpu_frequency keeps each CPU's current
 * frequency in `freqs` (MHz; user space fills it first from cpufreq's scaling_cur_freq, or
 * /proc/cpuinfo where the machine has no frequency scaling); a perf_event program on a
 * cpu-clock event of every CPU adds each sample to the linear histogram (HIST_STEP MHz
 * slots) of the running task's name, and to the system-wide one (idle included). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define MAX_SLOTS 26	/* 0-5000 MHz, the last slot holding everything above */
#define HIST_STEP 200	/* MHz per slot */

/* The layouts user space shares (cpufreq-records.ts declares them). */
struct cpufreq_key {
	char comm[16];
};

struct cpufreq_hist {
	__u32 slots[MAX_SLOTS];
};

/* MHz per CPU (user space sets max_entries to the possible CPUs). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} freqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct cpufreq_key);
	__type(value, struct cpufreq_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpufreq_hist);
} syswide SEC(".maps");

SEC("tracepoint/power/cpu_frequency")
int cpufreq_change(struct trace_event_raw_cpu *ctx)
{
	__u32 cpu = ctx->cpu_id, mhz = ctx->state / 1000;	/* state is in kHz */

	bpf_map_update_elem(&freqs, &cpu, &mhz, BPF_EXIST);
	return 0;
}

SEC("perf_event")
int cpufreq_sample(void *ctx)
{
	static const struct cpufreq_hist zero = {};
	__u32 cpu = bpf_get_smp_processor_id(), key = 0, slot;
	__u32 *mhz = bpf_map_lookup_elem(&freqs, &cpu);
	struct cpufreq_key k = {};
	struct cpufreq_hist *h;

	if (!mhz || !*mhz)
		return 0;
	slot = *mhz / HIST_STEP;
	if (slot >= MAX_SLOTS)
		slot = MAX_SLOTS - 1;
	h = bpf_map_lookup_elem(&syswide, &key);
	if (h)
		__sync_fetch_and_add(&h->slots[slot], 1);
	if (!(bpf_get_current_pid_tgid() >> 32))
		return 0;	/* idle: system-wide only */
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	h = bpf_map_lookup_elem(&hists, &k);
	if (!h) {
		bpf_map_update_elem(&hists, &k, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &k);
		if (!h)
			return 0;
	}
	__sync_fetch_and_add(&h->slots[slot], 1);
	return 0;
}
