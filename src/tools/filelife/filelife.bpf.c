// SPDX-License-Identifier: GPL-2.0
/* tsnap filelife: files created and deleted while tracing, with their age (bcc/libbpf-tools
 * filelife). libbpf-tools hooks vfs_create and vfs_unlink (kprobes); this kernel kind has
 * none, so the syscalls answer it:
 *  - an open(), openat(), openat2() or creat() that returns a file the open created
 *    (FMODE_CREATED in its f_mode: O_CREAT on a name that did not exist) records the
 *    file's dentry and the time in `births`;
 *  - an unlink() or unlinkat() that succeeds looks, among the recorded dentries, for the
 *    one that is now dead (negative, or unhashed when the file is still open) and has the
 *    name the call removed (the last component of its path), and sends its age.
 * The unlink side never resolves the path itself (no lookup from BPF): a rename keeps the
 * dentry, so a file renamed and then removed is still found, by its new name. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/fdfile.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define NAME_LEN 64
#define PATH_LEN 256
#define FMODE_CREATED_ (1U << 20)
#define AT_REMOVEDIR_ 0x200

/* The layouts user space shares (filelife-records.ts declares them). */
struct filelife_config {
	__u32 tgid;		/* only this process, 0 = every process */
	__u32 pad;
};

struct filelife_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns at the unlink's return */
	__u64 age_ns;		/* from the create's return to the unlink's */
	__u32 pid;		/* the process that removed it */
	__u32 creator;		/* the process that created it */
	char comm[16];
	char name[NAME_LEN];
};

struct birth {
	__u64 ts;
	__u32 tgid;
	__u32 pad;
};

const volatile struct filelife_config cfg = {};

/* dentry address → its birth. LRU: files made and never removed age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct birth);
} births SEC(".maps");

/* thread → the path its unlink names */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} unlinks SEC(".maps");

struct scratch {
	char path[PATH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

COUNTER_ARRAY(lost, 2);

#define LOST_RING 0	/* deletions not reported: the ring buffer was full */
#define LOST_START 1	/* unlinks not followed: `unlinks` was full */

static __always_inline bool wanted(__u32 tgid)
{
	return !cfg.tgid || tgid == cfg.tgid;
}

static __always_inline int on_open_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct birth b = {};
	struct dentry *d;
	struct file *f;
	__u64 key;

	if (ret < 0 || !wanted(id >> 32))
		return 0;
	f = file_of_fd((int)ret);
	if (!f || !(BPF_CORE_READ(f, f_mode) & FMODE_CREATED_))
		return 0;
	d = BPF_CORE_READ(f, f_path.dentry);
	if (!d)
		return 0;
	b.ts = bpf_ktime_get_ns();
	b.tgid = id >> 32;
	key = (__u64)d;
	bpf_map_update_elem(&births, &key, &b, BPF_ANY);
	return 0;
}

#define OPEN_EXIT(name)                                                    \
	SEC("tracepoint/syscalls/sys_exit_" #name)                         \
	int filelife_exit_##name(struct trace_event_raw_sys_exit *ctx)     \
	{                                                                  \
		return on_open_exit(ctx->ret);                             \
	}

OPEN_EXIT(open)
OPEN_EXIT(openat)
OPEN_EXIT(openat2)
OPEN_EXIT(creat)

static __always_inline int on_unlink_enter(const char *path)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u64 p = (__u64)path;

	if (!path || !wanted(id >> 32))
		return 0;
	if (bpf_map_update_elem(&unlinks, &tid, &p, BPF_ANY))
		count_in(&lost, LOST_START);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int filelife_enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return on_unlink_enter((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int filelife_enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[2] & AT_REMOVEDIR_)
		return 0;
	return on_unlink_enter((const char *)ctx->args[1]);
}

struct sweep {
	char want[NAME_LEN];
	char name[NAME_LEN];
	__u64 found;
};

/* bpf_for_each_map_elem's callback over `births`: stops at a dead dentry whose name (now:
 * a rename gave it a new one) is `want`. */
static long find_dead(void *map, __u64 *key, struct birth *b, struct sweep *s)
{
	struct dentry *d = (struct dentry *)*key;

	if (BPF_CORE_READ(d, d_inode) && BPF_CORE_READ(d, d_hash.pprev))
		return 0;	/* still there */
	bpf_probe_read_kernel_str(s->name, sizeof(s->name), BPF_CORE_READ(d, d_name.name));
	for (int i = 0; i < NAME_LEN; i++) {
		if (s->name[i] != s->want[i])
			return 0;
		if (!s->name[i])
			break;
	}
	s->found = *key;
	return 1;
}

static __always_inline int on_unlink_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, zero = 0;
	struct filelife_event *e;
	struct scratch *sc;
	struct sweep s = {};
	struct birth *b;
	__u64 *pp, now;
	int len, base = 0;

	pp = bpf_map_lookup_elem(&unlinks, &tid);
	if (!pp)
		return 0;
	const char *path = (const char *)*pp;
	bpf_map_delete_elem(&unlinks, &tid);
	if (ret != 0)
		return 0;
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	len = bpf_probe_read_user_str(sc->path, sizeof(sc->path), path);
	if (len <= 1)
		return 0;
	for (int i = 0; i < PATH_LEN; i++) {
		if (i >= len)
			break;
		if (sc->path[i] == '/')
			base = i + 1;
	}
	bpf_probe_read_user_str(s.want, sizeof(s.want), path + (base & (PATH_LEN - 1)));
	bpf_for_each_map_elem(&births, find_dead, &s, 0);
	if (!s.found)
		return 0;
	b = bpf_map_lookup_elem(&births, &s.found);
	if (!b)
		return 0;
	now = bpf_ktime_get_ns();
	e = ringbuf_reserve_counted(&events, sizeof(*e), &lost, LOST_RING);
	if (e) {
		e->ts = now;
		e->age_ns = now - b->ts;
		e->pid = id >> 32;
		e->creator = b->tgid;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		__builtin_memcpy(e->name, s.name, NAME_LEN);
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&births, &s.found);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unlink")
int filelife_exit_unlink(struct trace_event_raw_sys_exit *ctx)
{
	return on_unlink_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int filelife_exit_unlinkat(struct trace_event_raw_sys_exit *ctx)
{
	return on_unlink_exit(ctx->ret);
}
