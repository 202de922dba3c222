// SPDX-License-Identifier: GPL-2.0
/* tsnap javagc: the length of each garbage collection of a HotSpot JVM (bcc/libbpf-tools
 * javagc), from the USDT probes of its libjvm.so: hotspot:gc__begin/gc__end around each
 * collection's pause, and hotspot:mem__pool__gc__begin/end, which a collector fires for
 * each memory pool it collects. One program serves the four, told apart by the attach
 * cookie (javagc-records.ts PROBES). A collection is timed per thread, from its first
 * begin to its end: gc__end when it began with gc__begin (the pool probes nested in it
 * leave it alone), else the first pool end. Those longer than cfg.min_ns are sent
 * through a ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/syscall-pair.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Attach cookies: which probe fired (PROBES in javagc-records.ts, same order). */
#define GC_BEGIN 0
#define GC_END 1
#define POOL_BEGIN 2
#define POOL_END 3

/* The layouts user space shares (javagc-records.ts declares them). */
struct javagc_config {
	__u64 min_ns;		/* only collections longer than this (-t) */
};

struct javagc_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at the end */
	__u64 gc_ns;
	__u32 cpu;		/* the CPU at the end */
	__u32 pid;
	__u32 tid;
	__u32 pools_only;	/* 1: no gc__begin, timed between pool probes */
};

struct gc_start {
	__u64 ts;
	__u32 by_gc_begin;
	__u32 pad;
};

const volatile struct javagc_config cfg = {};

SYSCALL_PAIR_MAPS(struct gc_start, 64 << 10);

SEC("uprobe")
int javagc_probe(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns();
	__u32 probe = (__u32)bpf_get_attach_cookie(ctx);
	struct javagc_event *e;
	struct gc_start *s;
	__u32 tid;

	s = pair_start(&starts, &tid);
	if (probe == GC_BEGIN || (probe == POOL_BEGIN && !s)) {
		struct gc_start n = { .ts = now, .by_gc_begin = probe == GC_BEGIN };

		pair_begin(&starts, &n, &lost);
		return 0;
	}
	if (probe == POOL_BEGIN || !s)
		return 0;	/* a pool of a collection already timed; or begun before attach */
	if (probe == POOL_END && s->by_gc_begin)
		return 0;	/* gc__end ends it */
	if (now - s->ts > cfg.min_ns) {
		e = pair_reserve(&events, sizeof(*e), &lost);
		if (e) {
			e->ts = now;
			e->gc_ns = now - s->ts;
			e->cpu = bpf_get_smp_processor_id();
			e->pid = id >> 32;
			e->tid = tid;
			e->pools_only = !s->by_gc_begin;
			bpf_ringbuf_submit(e, 0);
		}
	}
	pair_end(&starts, tid);
	return 0;
}
