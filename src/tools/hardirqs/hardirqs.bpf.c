// SPDX-License-Identifier: GPL-2.0
/* tsnap hardirqs: the time spent in each hard interrupt handler, counted in the kernel per
 * handler name (bcc/libbpf-tools hardirqs). irq_handler_entry notes the time on its CPU
 * (handlers do not nest), irq_handler_exit adds the handler's time to the log2 histogram
 * of its action's name (lib/loghist.bpf.h: the slots, the summed ns; the count is the
 * slots' sum), so one map serves the totals, the counts (-C) and the histograms (-d). The
 * hooks are tp_btf/raw_tp pairs (lib/hooks.bpf.h): user space loads the pair the kernel
 * supports. */
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

/* The layouts user space shares (hardirqs-records.ts declares them). */
struct hardirqs_config {
	__s32 cpu;		/* only this CPU, -1 = every CPU */
	__u8 ns;		/* slots of nanoseconds, not microseconds */
	__u8 filter_cg;		/* only while a task under the cgroup in `cgroup_map` is interrupted */
	__u8 pad[2];
};

struct hardirqs_key {
	char name[32];		/* the irqaction's name, as /proc/interrupts' last column */
};

#define LOST_HIST 1	/* handlers not counted: `hists` was full (slot 0 unused) */

const volatile struct hardirqs_config cfg = { .cpu = -1 };

PERCPU_START_MAP(start);
LOG_HIST_MAP(hists, struct hardirqs_key);

COUNTER_ARRAY(lost, 2);

CGROUP_FILTER_MAP(cgroup_map);

static __always_inline bool wanted(void)
{
	if (cfg.cpu >= 0 && bpf_get_smp_processor_id() != (__u32)cfg.cpu)
		return false;
	return !cfg.filter_cg || bpf_current_task_under_cgroup(&cgroup_map, 0);
}

TP_BTF_OR_RAW_TP(irq_handler_entry, hardirqs_entry, int irq, struct irqaction *action)
{
	if (wanted())
		percpu_start_set(&start, bpf_ktime_get_ns());
	return 0;
}

TP_BTF_OR_RAW_TP(irq_handler_exit, hardirqs_exit, int irq, struct irqaction *action, int ret)
{
	struct hardirqs_key key = {};
	struct log_hist *h;
	__u64 ns;

	if (!wanted())
		return 0;
	ns = percpu_start_take(&start, bpf_ktime_get_ns());
	if (!ns)
		return 0;
	bpf_probe_read_kernel_str(key.name, sizeof(key.name), BPF_CORE_READ(action, name));
	h = log_hist_get(&hists, &key, 0);
	if (!h) {
		count_in(&lost, LOST_HIST);
		return 0;
	}
	log_hist_add(h, cfg.ns ? ns : ns / 1000, ns);
	return 0;
}
