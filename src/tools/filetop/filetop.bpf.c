// SPDX-License-Identifier: GPL-2.0
/* tsnap filetop: reads and writes per thread and file, summed in the kernel (bcc/
 * libbpf-tools filetop, at the syscall layer: libbpf-tools' needs kprobes on
 * vfs_read/vfs_write). The read and write system calls (read, pread64, readv, preadv,
 * preadv2 and their write twins: lib/fsops.bpf.h) find the file from the fd at entry
 * (task->files->fdt); at exit the call and the bytes it returned go to the (inode, thread)
 * row of `files`, which also keeps the thread's name, the file's name (its dentry's) and
 * its type (R regular, S socket, O other; only regular files unless cfg.all). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/fdfile.bpf.h"
#include "lib/fsops.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/ringbuf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define FILE_NAME_LEN 64
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000

/* The layouts user space shares (filetop-records.ts declares them). */
struct filetop_config {
	__u32 tgid;			/* only this process, 0 = every process */
	__u8 all;			/* every file, not only regular ones (-a) */
	__u8 pad[3];
	char fstype[FSTYPE_LEN];	/* "": every filesystem type */
};

struct filetop_key {
	__u64 ino;
	__u32 dev;
	__u32 rdev;
	__u32 pid;
	__u32 tid;
};

struct filetop_value {
	__u64 reads;
	__u64 writes;
	__u64 rbytes;
	__u64 wbytes;
	char comm[16];
	char name[FILE_NAME_LEN];
	char type;
	char pad[7];
};

#define LOST_START 0	/* calls not counted: `start` was full */
#define LOST_FILES 1	/* calls not counted: `files` was full */

const volatile struct filetop_config cfg = {};

FSOP_START_MAP(start);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct filetop_key);
	__type(value, struct filetop_value);
} files SEC(".maps");

COUNTER_ARRAY(lost, 2);

static __always_inline int on_enter(__u32 op, int fd, __s64 pos)
{
	if (op != FS_READ && op != FS_WRITE)
		return 0;
	if (fsop_begin(&start, op, fd, pos, cfg.tgid, cfg.fstype))
		count_in(&lost, LOST_START);
	return 0;
}

static __always_inline int on_exit(void *ctx, long ret)
{
	struct filetop_value zero = {}, *v;
	struct filetop_key key = {};
	char fstype[FSTYPE_LEN];
	struct fsop_start s;
	struct inode *inode;
	struct file *fp;
	__u64 ns, id = bpf_get_current_pid_tgid();
	__u32 mode;

	if (!fsop_end(&start, ret, cfg.fstype, &s, fstype, &ns))
		return 0;
	fp = s.file;
	inode = BPF_CORE_READ(fp, f_inode);
	mode = BPF_CORE_READ(inode, i_mode);
	if (!cfg.all && (mode & S_IFMT) != S_IFREG)
		return 0;
	key.ino = BPF_CORE_READ(inode, i_ino);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.rdev = BPF_CORE_READ(inode, i_rdev);
	key.pid = id >> 32;
	key.tid = (__u32)id;
	v = bpf_map_lookup_elem(&files, &key);
	if (!v) {
		bpf_get_current_comm(zero.comm, sizeof(zero.comm));
		bpf_probe_read_kernel_str(zero.name, sizeof(zero.name),
					  BPF_CORE_READ(fp, f_path.dentry, d_name.name));
		zero.type = (mode & S_IFMT) == S_IFREG ? 'R' : (mode & S_IFMT) == S_IFSOCK ? 'S' : 'O';
		bpf_map_update_elem(&files, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&files, &key);
	}
	if (!v) {
		count_in(&lost, LOST_FILES);
		return 0;
	}
	if (s.op == FS_READ) {
		__sync_fetch_and_add(&v->reads, 1);
		if (ret > 0)
			__sync_fetch_and_add(&v->rbytes, ret);
	} else {
		__sync_fetch_and_add(&v->writes, 1);
		if (ret > 0)
			__sync_fetch_and_add(&v->wbytes, ret);
	}
	return 0;
}

FSOP_PROGRAMS(filetop)
