// SPDX-License-Identifier: GPL-2.0
/* For src/bpf/ringbuf.test.ts only: every getppid(2) of one process writes a numbered
 * 1 KiB record into a one-page ring (three fit), counting the ones that do not fit
 * through lib/ringbuf.bpf.h. Nothing else in tsnap loads it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct {
	__u32 tgid;
	__s32 nr;	/* getppid's number on this architecture */
} rb_cfg = {};

struct rb_rec {
	__u64 seq;
	__u8 pad[1016];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rb_lost SEC(".maps");

__u64 rb_seq;

SEC("tp_btf/sys_enter")
int BPF_PROG(rb_on_getppid, struct pt_regs *regs, long id)
{
	struct rb_rec *r;

	if (id != rb_cfg.nr || bpf_get_current_pid_tgid() >> 32 != rb_cfg.tgid)
		return 0;
	r = ringbuf_reserve_counted(&rb, sizeof(*r), &rb_lost, 0);
	if (!r)
		return 0;
	r->seq = ++rb_seq;
	bpf_ringbuf_submit(r, 0);
	return 0;
}
