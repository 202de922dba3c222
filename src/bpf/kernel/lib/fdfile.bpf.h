/* SPDX-License-Identifier: GPL-2.0 */
/* The struct file behind a file descriptor of the current task, and the name of the
 * filesystem type of its superblock (file->f_inode->i_sb->s_type->name: "ext4", "tmpfs",
 * "pipefs", ...). Helpers only (no maps, no programs). */
#ifndef TSNAP_LIB_FDFILE_BPF_H
#define TSNAP_LIB_FDFILE_BPF_H

#define FSTYPE_LEN 16

/* fd's file in the current task's file table, or NULL. */
static __always_inline struct file *file_of_fd(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	unsigned int max = BPF_CORE_READ(task, files, fdt, max_fds);
	struct file *file = NULL;

	if (fd < 0 || (unsigned int)fd >= max)
		return NULL;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

/* The filesystem type's name of the file's superblock into name[FSTYPE_LEN] (zero-filled). */
static __always_inline void file_fstype(struct file *file, char *name)
{
	const char *s = BPF_CORE_READ(file, f_inode, i_sb, s_type, name);

	__builtin_memset(name, 0, FSTYPE_LEN);
	if (s)
		bpf_probe_read_kernel_str(name, FSTYPE_LEN, s);
}

/* want[0] == 0 matches every name; else the two NUL-terminated names are equal. */
static __always_inline bool fstype_is(const char *name, const volatile char *want)
{
	if (!want[0])
		return true;
	for (int i = 0; i < FSTYPE_LEN; i++) {
		if (name[i] != want[i])
			return false;
		if (!name[i])
			return true;
	}
	return true;
}

#endif
