// SPDX-License-Identifier: GPL-2.0
/* tsnap bashreadline: every command line bash reads (bcc/libbpf-tools bashreadline). A
 * uretprobe on readline() (in /bin/bash, or the libreadline it links) copies the line the
 * call returns, from processes whose comm is "bash" (as libbpf-tools: other programs
 * using the same libreadline are left out), and sends it through a ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define LINE_LEN 256

/* The layout user space shares (bashreadline-records.ts declares it). */
struct bashreadline_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at readline()'s return */
	__u32 pid;
	__u32 pad;
	char line[LINE_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} events SEC(".maps");

COUNTER_ARRAY(lost, 1);

SEC("uretprobe")
int bashreadline_return(struct pt_regs *ctx)
{
	const char *line = (const char *)PT_REGS_RC(ctx);
	struct bashreadline_event *e;
	char comm[16];

	if (!line)
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] != 'b' || comm[1] != 'a' || comm[2] != 's' || comm[3] != 'h' || comm[4] != 0)
		return 0;
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, 0);
	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->pad = 0;
	if (bpf_probe_read_user_str(e->line, sizeof(e->line), line) < 0)
		e->line[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
