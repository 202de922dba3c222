// SPDX-License-Identifier: GPL-2.0
/* tsnap funclatency: the time of each call of user functions, from a uprobe at entry to a
 * uretprobe at return, counted in a log2 histogram in the kernel (bcc funclatency). Both
 * programs are attached once per function with the function's index as cookie: the entry
 * time is kept per (thread, function), the histogram is one for all functions or, with
 * per_func, one per function. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/hist.bpf.h"
#include "lib/loghist.bpf.h"
#include "lib/maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Layout: CONFIG in funclatency-load.ts. */
struct funclatency_config {
	__u32 filter_pid;	/* tgid to time, 0 = every process */
	__u32 unit_ns;		/* the histogram's unit in ns: 1, 1000 or 1000000 */
	__u8 per_func;		/* one histogram per function (key = cookie), else key 0 */
	__u8 pad[7];
};

const volatile struct funclatency_config cfg = { .unit_ns = 1 };

struct start_key {
	__u32 tid;
	__u32 func;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct start_key);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct log_hist);
} hists SEC(".maps");

/* [0] calls not timed: `start` was full; [1] calls not counted: `hists` was full */
COUNTER_ARRAY(lost, 2);

static __always_inline void lost_add(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&lost, &i);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("uprobe")
int funclatency_entry(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct start_key k = { .tid = (__u32)id, .func = (__u32)bpf_get_attach_cookie(ctx) };
	__u64 ts;

	if (cfg.filter_pid && (id >> 32) != cfg.filter_pid)
		return 0;
	ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&start, &k, &ts, BPF_ANY))
		lost_add(0);
	return 0;
}

SEC("uretprobe")
int funclatency_return(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct start_key k = { .tid = (__u32)id, .func = (__u32)bpf_get_attach_cookie(ctx) };
	struct log_hist *h;
	__u64 *ts, ns;
	__u32 key;

	if (cfg.filter_pid && (id >> 32) != cfg.filter_pid)
		return 0;
	ts = bpf_map_lookup_elem(&start, &k);
	if (!ts)
		return 0; /* entered before attach */
	ns = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(&start, &k);
	key = cfg.per_func ? k.func : 0;
	h = log_hist_get(&hists, &key, NULL);
	if (!h) {
		lost_add(1);
		return 0;
	}
	log_hist_add(h, cfg.unit_ns > 1 ? ns / cfg.unit_ns : ns, ns);
	return 0;
}
