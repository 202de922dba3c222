// SPDX-License-Identifier: GPL-2.0
/* tsnap filelife: files created and deleted while tracing, with their age (bcc/libbpf-tools
 * filelife). libbpf-tools hooks vfs_create and vfs_unlink (kprobes); this kernel kind has
 * none, so the syscalls answer it:
 *  - an open(), openat(), openat2() or creat() that returns a file the open created
 *    (FMODE_CREATED in its f_mode: O_CREAT on a name that did not exist) records the
 *    file's dentry and the time in `births`;
 *    and `names` maps the file's name (its last path component) to that dentry;
 *  - a rename(), renameat() or renameat2() that succeeds moves the `names` entry of the
 *    old name to the dentry's new one (a rename keeps the dentry);
 *  - an unlink() or unlinkat() that succeeds looks up the name it removed (the last
 *    component of its path) in `names`; when that dentry is now dead (negative, or
 *    unhashed when the file is still open) and bears that name, the file's age is sent.
 * No path is resolved in BPF (it cannot look one up); each step is a few map operations.
 * Two files alive at once under the same name in different directories share one `names`
 * entry: the older one is missed. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/fdfile.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"
#include "lib/syscall-pair.bpf.h"

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

struct name_key {
	char name[NAME_LEN];
};

/* a created file's name → its dentry address (the latest file created with that name) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct name_key);
	__type(value, __u64);
} names SEC(".maps");

/* starts: thread → the path its unlink or rename names (the old one for a rename); the
 * ring of deletions; lost[LOST_RING] deletions not reported, lost[LOST_START] unlinks or
 * renames not followed. */
SYSCALL_PAIR_MAPS(__u64, 1 << 20);

struct scratch {
	char path[PATH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline bool wanted(__u32 tgid)
{
	return !cfg.tgid || tgid == cfg.tgid;
}

static __always_inline int on_open_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct name_key nk = {};
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
	if (bpf_probe_read_kernel_str(nk.name, sizeof(nk.name), BPF_CORE_READ(d, d_name.name)) <= 1)
		return 0;
	bpf_map_update_elem(&births, &key, &b, BPF_ANY);
	bpf_map_update_elem(&names, &nk, &key, BPF_ANY);
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

/* The path a thread's unlink or rename named, kept at its entry. */
static __always_inline int keep_path(const char *path)
{
	__u64 p = (__u64)path;

	if (!path || !wanted(bpf_get_current_pid_tgid() >> 32))
		return 0;
	pair_begin(&starts, &p, &lost);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int filelife_enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return keep_path((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int filelife_enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[2] & AT_REMOVEDIR_)
		return 0;
	return keep_path((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_rename")
int filelife_enter_rename(struct trace_event_raw_sys_enter *ctx)
{
	return keep_path((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_renameat")
int filelife_enter_renameat(struct trace_event_raw_sys_enter *ctx)
{
	return keep_path((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_renameat2")
int filelife_enter_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	return keep_path((const char *)ctx->args[1]);
}

/* The thread's kept path, taken out of `starts`; false when none or the call failed. Its
 * last component goes to `out`. */
static __always_inline bool take_basename(long ret, struct name_key *out)
{
	struct scratch *sc;
	const char *path;
	int len, base = 0;
	__u32 tid, zero = 0;
	__u64 *pp;

	pp = pair_start(&starts, &tid);
	if (!pp)
		return false;
	path = (const char *)*pp;
	pair_end(&starts, tid);
	if (ret != 0)
		return false;
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return false;
	len = bpf_probe_read_user_str(sc->path, sizeof(sc->path), path);
	if (len <= 1)
		return false;
	for (int i = 0; i < PATH_LEN; i++) {
		if (i >= len)
			break;
		if (sc->path[i] == '/')
			base = i + 1;
	}
	return bpf_probe_read_user_str(out->name, sizeof(out->name), path + (base & (PATH_LEN - 1))) > 1;
}

/* A renamed file keeps its dentry: its `names` entry moves to the name it has now. */
static __always_inline int on_rename_exit(long ret)
{
	struct name_key old = {}, now = {};
	struct dentry *d;
	__u64 *dp, key;

	if (!take_basename(ret, &old))
		return 0;
	dp = bpf_map_lookup_elem(&names, &old);
	if (!dp)
		return 0;
	key = *dp;
	bpf_map_delete_elem(&names, &old);
	d = (struct dentry *)key;
	if (!bpf_map_lookup_elem(&births, &key))
		return 0;
	if (bpf_probe_read_kernel_str(now.name, sizeof(now.name), BPF_CORE_READ(d, d_name.name)) > 1)
		bpf_map_update_elem(&names, &now, &key, BPF_ANY);
	return 0;
}

static __always_inline int on_unlink_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct name_key nk = {}, cur = {};
	struct filelife_event *e;
	struct birth *b;
	struct dentry *d;
	__u64 *dp, key, now;

	if (!take_basename(ret, &nk))
		return 0;
	dp = bpf_map_lookup_elem(&names, &nk);
	if (!dp)
		return 0;
	key = *dp;
	d = (struct dentry *)key;
	if (BPF_CORE_READ(d, d_inode) && BPF_CORE_READ(d, d_hash.pprev))
		return 0;	/* that file is still there: another of the same name went */
	bpf_probe_read_kernel_str(cur.name, sizeof(cur.name), BPF_CORE_READ(d, d_name.name));
	for (int i = 0; i < NAME_LEN; i++) {
		if (cur.name[i] != nk.name[i])
			return 0;
		if (!cur.name[i])
			break;
	}
	bpf_map_delete_elem(&names, &nk);
	b = bpf_map_lookup_elem(&births, &key);
	if (!b)
		return 0;
	now = bpf_ktime_get_ns();
	e = pair_reserve(&events, sizeof(*e), &lost);
	if (e) {
		e->ts = now;
		e->age_ns = now - b->ts;
		e->pid = id >> 32;
		e->creator = b->tgid;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		__builtin_memcpy(e->name, nk.name, NAME_LEN);
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&births, &key);
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

#define RENAME_EXIT(name)                                                  \
	SEC("tracepoint/syscalls/sys_exit_" #name)                         \
	int filelife_exit_##name(struct trace_event_raw_sys_exit *ctx)     \
	{                                                                  \
		return on_rename_exit(ctx->ret);                           \
	}

RENAME_EXIT(rename)
RENAME_EXIT(renameat)
RENAME_EXIT(renameat2)
