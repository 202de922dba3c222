// SPDX-License-Identifier: GPL-2.0
/* tsnap softirqs: the time spent in each kind of soft interrupt, counted in the kernel per
 * vector (bcc/libbpf-tools softirqs). softirq_entry notes the time on its CPU (a CPU runs
 * one softirq at a time), softirq_exit adds the handler's time to the log2 histogram of
 * its vector (lib/loghist.bpf.h: the slots, the summed ns; the count is the slots' sum),
 * so one map serves the totals, the counts (-C) and the histograms (-d). The hooks are
 * tp_btf/raw_tp pairs (lib/hooks.bpf.h): user space loads the pair the kernel supports. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/hooks.bpf.h"
#include "lib/hist.bpf.h"
#include "lib/loghist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/percpu-start.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layout user space shares (softirqs-records.ts declares it; the `hists` key is the
 * vector number, a u32). */
struct softirqs_config {
	__s32 cpu;	/* only this CPU, -1 = every CPU */
	__u8 ns;	/* slots of nanoseconds, not microseconds */
	__u8 pad[3];
};

#define LOST_HIST 1	/* softirqs not counted: `hists` was full (slot 0 unused) */

const volatile struct softirqs_config cfg = { .cpu = -1 };

PERCPU_START_MAP(start);
LOG_HIST_MAP(hists, __u32);

COUNTER_ARRAY(lost, 2);

static __always_inline bool on_cpu(void)
{
	return cfg.cpu < 0 || bpf_get_smp_processor_id() == (__u32)cfg.cpu;
}

TP_BTF_OR_RAW_TP(softirq_entry, softirqs_entry, unsigned int vec_nr)
{
	if (on_cpu())
		percpu_start_set(&start, bpf_ktime_get_ns());
	return 0;
}

TP_BTF_OR_RAW_TP(softirq_exit, softirqs_exit, unsigned int vec_nr)
{
	struct log_hist *h;
	__u32 vec = vec_nr;
	__u64 ns;

	if (!on_cpu())
		return 0;
	ns = percpu_start_take(&start, bpf_ktime_get_ns());
	if (!ns)
		return 0;
	h = log_hist_get(&hists, &vec, 0);
	if (!h) {
		count_in(&lost, LOST_HIST);
		return 0;
	}
	log_hist_add(h, cfg.ns ? ns : ns / 1000, ns);
	return 0;
}
