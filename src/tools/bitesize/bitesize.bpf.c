// SPDX-License-Identifier: GPL-2.0
/* tsnap bitesize: block I/O sizes as log2 histograms of Kbytes in the kernel, one per
 * process name (bcc/libbpf-tools bitesize). On block_rq_issue the request's size goes to
 * the histogram of the name of the task issuing it (optionally only names starting with
 * cfg.comm, only one disk). The hook is a tp_btf/raw_tp pair (lib/hooks.bpf.h): user space
 * loads the one the kernel supports. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/blk.bpf.h"
#include "lib/hooks.bpf.h"
#include "lib/hist.bpf.h"
#include "lib/loghist.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (bitesize-records.ts declares them). */
struct bitesize_config {
	char comm[16];	/* only tasks whose name starts with this, "" = every task */
	__u32 dev;	/* only this disk (MKDEV(major, minor) as the kernel's dev_t), 0 = every disk */
};

struct bitesize_key {
	char comm[16];
};

#define LOST_HIST 1	/* I/Os not counted: `hists` was full (slot 0, unused: hist-source.ts reads slot 1) */

const volatile struct bitesize_config cfg = {};

LOG_HIST_MAP(hists, struct bitesize_key);

COUNTER_ARRAY(lost, 2);

TP_BTF_OR_RAW_TP(block_rq_issue, bitesize_issue, struct request *rq)
{
	struct bitesize_key key = {};
	struct log_hist *h;
	__u32 bytes;

	if (cfg.dev && rq_dev(rq) != cfg.dev)
		return 0;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	for (int i = 0; i < sizeof(key.comm); i++) {
		if (!cfg.comm[i])
			break;
		if (key.comm[i] != cfg.comm[i])
			return 0;
	}
	bytes = BPF_CORE_READ(rq, __data_len);
	h = log_hist_get(&hists, &key, 0);
	if (!h) {
		count_in(&lost, LOST_HIST);
		return 0;
	}
	if (!h->comm[0])
		__builtin_memcpy(h->comm, key.comm, sizeof(h->comm));
	log_hist_add(h, bytes / 1024, 0); /* sum_ns stays 0: not a time */
	return 0;
}
