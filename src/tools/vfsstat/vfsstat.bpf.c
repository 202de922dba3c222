// SPDX-License-Identifier: GPL-2.0
/* tsnap vfsstat: file operations counted in the kernel per kind (bcc/libbpf-tools vfsstat),
 * at the syscall layer instead of kprobes or fentry on vfs_read, vfs_write, vfs_fsync,
 * vfs_open, vfs_create, vfs_unlink, vfs_mkdir and vfs_rmdir. A call is counted when it
 * returns without an error (the VFS function is not reached by a call refused before it,
 * e.g. a bad fd or a missing path):
 *   READ    read, pread64, readv, preadv, preadv2
 *   WRITE   write, pwrite64, writev, pwritev, pwritev2
 *   FSYNC   fsync, fdatasync
 *   OPEN    open, openat, openat2, creat (every file they open)
 *   CREATE  creat, and open/openat/openat2 with O_CREAT; mknod, mknodat
 *   UNLINK  unlink, unlinkat without AT_REMOVEDIR
 *   MKDIR   mkdir, mkdirat
 *   RMDIR   rmdir, unlinkat with AT_REMOVEDIR
 * The kinds that depend on an argument (O_CREAT, AT_REMOVEDIR) note it per thread at the
 * syscall's entry; the others need only the exit. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "lib/maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The layout user space shares (vfsstat-records.ts declares it). */
struct vfsstat_config {
	__u32 tgid;	/* only this process, 0 = every process */
	__u32 pad;
};

/* Slots of `counts` (vfsstat-records.ts STATS, in this order). */
#define S_READ 0
#define S_WRITE 1
#define S_FSYNC 2
#define S_OPEN 3
#define S_CREATE 4
#define S_UNLINK 5
#define S_MKDIR 6
#define S_RMDIR 7
#define S_MAX 8

#define VFS_O_CREAT 0100	/* O_CREAT (octal, as in the uapi headers) */
#define VFS_AT_REMOVEDIR 0x200

const volatile struct vfsstat_config cfg = {};

COUNTER_ARRAY(counts, S_MAX);

/* Per thread, between an entry and its exit: the kind its argument made it (LRU: a thread
 * killed inside the call leaves an entry nobody takes). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u32);
} pending SEC(".maps");

static __always_inline bool wanted(void)
{
	return !cfg.tgid || (bpf_get_current_pid_tgid() >> 32) == cfg.tgid;
}

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &slot);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* At an entry: remember `kind` for this thread's exit. */
static __always_inline int note(__u32 kind)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (wanted())
		bpf_map_update_elem(&pending, &tid, &kind, BPF_ANY);
	return 0;
}

/* At an exit: the kind noted at the entry (then forgotten), or `dflt`. */
static __always_inline __u32 take(__u32 dflt)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *k = bpf_map_lookup_elem(&pending, &tid), kind = dflt;

	if (k) {
		kind = *k;
		bpf_map_delete_elem(&pending, &tid);
	}
	return kind;
}

/* A syscall whose kind is fixed: counted at its exit when it succeeded. */
#define VFS_EXIT(sc, slot)                                          \
	SEC("tracepoint/syscalls/sys_exit_" #sc)                    \
	int vfsstat_exit_##sc(struct trace_event_raw_sys_exit *ctx) \
	{                                                           \
		if (ctx->ret >= 0 && wanted())                      \
			count(slot);                                \
		return 0;                                           \
	}

VFS_EXIT(read, S_READ)
VFS_EXIT(pread64, S_READ)
VFS_EXIT(readv, S_READ)
VFS_EXIT(preadv, S_READ)
VFS_EXIT(preadv2, S_READ)
VFS_EXIT(write, S_WRITE)
VFS_EXIT(pwrite64, S_WRITE)
VFS_EXIT(writev, S_WRITE)
VFS_EXIT(pwritev, S_WRITE)
VFS_EXIT(pwritev2, S_WRITE)
VFS_EXIT(fsync, S_FSYNC)
VFS_EXIT(fdatasync, S_FSYNC)
VFS_EXIT(mknod, S_CREATE)
VFS_EXIT(mknodat, S_CREATE)
VFS_EXIT(unlink, S_UNLINK)
VFS_EXIT(mkdir, S_MKDIR)
VFS_EXIT(mkdirat, S_MKDIR)
VFS_EXIT(rmdir, S_RMDIR)

/* creat opens and asks to create. */
SEC("tracepoint/syscalls/sys_exit_creat")
int vfsstat_exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret >= 0 && wanted()) {
		count(S_OPEN);
		count(S_CREATE);
	}
	return 0;
}

/* An open: its flags (argument `flags_arg`) say whether it may create. */
#define VFS_OPEN(sc, flags_arg)                                          \
	SEC("tracepoint/syscalls/sys_enter_" #sc)                        \
	int vfsstat_enter_##sc(struct trace_event_raw_sys_enter *ctx)    \
	{                                                                \
		if (ctx->args[flags_arg] & VFS_O_CREAT)                  \
			return note(S_CREATE);                           \
		return 0;                                                \
	}                                                                \
	SEC("tracepoint/syscalls/sys_exit_" #sc)                         \
	int vfsstat_exit_##sc(struct trace_event_raw_sys_exit *ctx)      \
	{                                                                \
		__u32 kind = take(S_OPEN);                               \
		if (ctx->ret >= 0 && wanted()) {                         \
			count(S_OPEN);                                   \
			if (kind == S_CREATE)                            \
				count(S_CREATE);                         \
		}                                                        \
		return 0;                                                \
	}

VFS_OPEN(open, 1)
VFS_OPEN(openat, 2)

/* openat2's flags are in the struct open_how its third argument points to. */
SEC("tracepoint/syscalls/sys_enter_openat2")
int vfsstat_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	if (bpf_probe_read_user(&how, sizeof(how.flags), (void *)ctx->args[2]) == 0 &&
	    (how.flags & VFS_O_CREAT))
		return note(S_CREATE);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int vfsstat_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	__u32 kind = take(S_OPEN);

	if (ctx->ret >= 0 && wanted()) {
		count(S_OPEN);
		if (kind == S_CREATE)
			count(S_CREATE);
	}
	return 0;
}

/* unlinkat removes a directory with AT_REMOVEDIR, else a file. */
SEC("tracepoint/syscalls/sys_enter_unlinkat")
int vfsstat_enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[2] & VFS_AT_REMOVEDIR)
		return note(S_RMDIR);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int vfsstat_exit_unlinkat(struct trace_event_raw_sys_exit *ctx)
{
	__u32 kind = take(S_UNLINK);

	if (ctx->ret >= 0 && wanted())
		count(kind);
	return 0;
}
