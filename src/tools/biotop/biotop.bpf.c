// SPDX-License-Identifier: GPL-2.0
/* tsnap biotop: block I/O per process and disk, summed in the kernel (bcc/libbpf-tools
 * biotop, on tracepoints: libbpf-tools' needs kprobes on blk_account_io_start/done).
 * block_io_start fires where libbpf-tools' kprobe sat (blk_account_io_start, as a bio
 * becomes a request, in the submitting task): the request's issuer is noted in
 * `starts`; block_rq_issue notes the time the driver got it and its final size;
 * block_io_done (blk_account_io_done, where /proc/diskstats counts the I/O) adds one I/O,
 * its bytes and its issue → done time to the (process, disk, direction) row of `counts`. Each hook is a tp_btf/raw_tp
 * pair (lib/hooks.bpf.h): user space loads the pair the kernel supports. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/blk.bpf.h"
#include "lib/hooks.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layouts user space shares (biotop-records.ts declares them). */
struct biotop_config {
	__u32 dev;	/* only this disk (MKDEV(major, minor)), 0 = every disk */
	__u32 tgid;	/* only I/O this process submitted, 0 = every process */
};

struct biotop_key {
	__u32 pid;
	__u32 dev;
	__u32 write;	/* 1: a write (libbpf-tools' rwflag: the op is REQ_OP_WRITE) */
	char comm[16];
};

struct biotop_value {
	__u64 bytes;
	__u64 ns;	/* issue → done, summed */
	__u64 io;
};

struct rq_start {
	__u64 issue_ts;
	__u32 bytes;	/* at issue: merges are over, completion not yet begun */
	__u32 pid;
	char comm[16];
};

#define LOST_START 0	/* I/Os not counted: `starts` was full */
#define LOST_COUNTS 1	/* I/Os not counted: `counts` was full */

const volatile struct biotop_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct rq_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct biotop_key);
	__type(value, struct biotop_value);
} counts SEC(".maps");

COUNTER_ARRAY(lost, 2);

TP_BTF_OR_RAW_TP(block_io_start, biotop_start, struct request *rq)
{
	__u64 key = (__u64)rq, id = bpf_get_current_pid_tgid();
	struct rq_start s = {};

	if (cfg.tgid && (id >> 32) != cfg.tgid)
		return 0;
	if (cfg.dev && rq_dev(rq) != cfg.dev)
		return 0;
	s.pid = id >> 32;
	bpf_get_current_comm(s.comm, sizeof(s.comm));
	if (bpf_map_update_elem(&starts, &key, &s, BPF_ANY))
		count_in(&lost, LOST_START);
	return 0;
}

TP_BTF_OR_RAW_TP(block_rq_issue, biotop_issue, struct request *rq)
{
	__u64 key = (__u64)rq;
	struct rq_start *s = bpf_map_lookup_elem(&starts, &key);

	if (s) {
		s->issue_ts = bpf_ktime_get_ns();
		s->bytes = BPF_CORE_READ(rq, __data_len);
	}
	return 0;
}

TP_BTF_OR_RAW_TP(block_io_done, biotop_done, struct request *rq)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns();
	struct rq_start *s = bpf_map_lookup_elem(&starts, &key);
	struct biotop_key k = {};
	struct biotop_value zero = {}, *v;

	if (!s)
		return 0;
	k.pid = s->pid;
	__builtin_memcpy(k.comm, s->comm, sizeof(k.comm));
	k.dev = rq_dev(rq);
	k.write = (rq_flags(rq) & 0xff) == 1;
	v = bpf_map_lookup_elem(&counts, &k);
	if (!v) {
		bpf_map_update_elem(&counts, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&counts, &k);
	}
	if (!v) {
		count_in(&lost, LOST_COUNTS);
	} else {
		__sync_fetch_and_add(&v->io, 1);
		__sync_fetch_and_add(&v->bytes, s->bytes);
		if (s->issue_ts)
			__sync_fetch_and_add(&v->ns, now - s->issue_ts);
	}
	bpf_map_delete_elem(&starts, &key);
	return 0;
}
