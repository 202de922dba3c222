// SPDX-License-Identifier: GPL-2.0
/* tsnap syscount: syscalls counted in the kernel (bcc/libbpf-tools syscount). sys_exit
 * adds one to the entry of the syscall (or, with count_by_process, of the process) in
 * `data`; with measure_latency, sys_enter keeps each thread's entry time in `start` and
 * sys_exit adds the time spent. Each hook is a tp_btf/raw_tp pair (lib/hooks.bpf.h): user
 * space loads the pair the kernel supports (autoload off for the other). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/hooks.bpf.h"
#include "lib/task.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (syscount-records.ts declares them; the sizes are checked
 * at load). */
struct syscount_config {
	__u32 filter_pid;	/* tgid to count, 0 = every process */
	__s32 filter_errno;	/* only syscalls that returned -filter_errno, 0 = any */
	__u8 count_by_process;	/* key by tgid instead of syscall number */
	__u8 measure_latency;
	__u8 filter_failed;	/* only syscalls that returned an error */
	__u8 pad;
};

struct syscount_value {
	__u64 count;
	__u64 total_ns;
	char comm[16];
};

/* Read-only config, set before load. */
const volatile struct syscount_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct syscount_value);
} data SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

static __always_inline void on_enter(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u64 ts;

	if (cfg.filter_pid && (id >> 32) != cfg.filter_pid)
		return;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
}

static __always_inline void on_exit(long nr, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u64 *start_ts = 0, ns = 0;
	struct syscount_value *v, zero = {};
	__u32 key;

	if (cfg.filter_pid && (id >> 32) != cfg.filter_pid)
		return;
	if (cfg.filter_failed && ret >= 0)
		return;
	if (cfg.filter_errno && ret != -cfg.filter_errno)
		return;
	if (cfg.measure_latency) {
		start_ts = bpf_map_lookup_elem(&start, &tid);
		if (!start_ts)
			return;
		ns = bpf_ktime_get_ns() - *start_ts;
		bpf_map_delete_elem(&start, &tid);
	}
	if (cfg.count_by_process)
		key = id >> 32;
	else if (nr < 0) /* no syscall (e.g. a restart through a signal frame) */
		return;
	else
		key = nr;
	v = bpf_map_lookup_elem(&data, &key);
	if (!v) {
		if (cfg.count_by_process)
			bpf_get_current_comm(zero.comm, sizeof(zero.comm));
		bpf_map_update_elem(&data, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&data, &key);
		if (!v)
			return;
	}
	__sync_fetch_and_add(&v->count, 1);
	if (cfg.measure_latency)
		__sync_fetch_and_add(&v->total_ns, ns);
}

TP_BTF_OR_RAW_TP(sys_enter, syscount_enter, struct pt_regs *regs, long id)
{
	on_enter();
	return 0;
}

TP_BTF_OR_RAW_TP(sys_exit, syscount_exit, struct pt_regs *regs, long ret)
{
	long nr = 0;

	/* read, not a direct load: raw_tp's regs is not a BTF-typed pointer */
	bpf_probe_read_kernel(&nr, sizeof(nr), &SC_NR(regs));
	on_exit(nr, ret);
	return 0;
}
