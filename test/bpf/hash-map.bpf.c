// Test object for src/bpf/maps-batch.test.ts: one hash map shaped like the run-queue
// histogram map (u32 key, 148-byte value), no programs.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8[148]);
} table SEC(".maps");
