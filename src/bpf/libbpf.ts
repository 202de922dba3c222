// The one module that talks to native code: libbpf.so.1 (and the few libc calls libbpf
// users need: mmap for the ring buffer, perf_event_open, vsnprintf for libbpf's log),
// through the koffi FFI package. Thin and 1:1 with the C API: pointers are bigints, errors
// are negative returns or null plus errno. Everything ergonomic lives in the modules above.
// Symbols are the ones libbpf 1.1 (Debian 12) exports; nothing newer is used.
import koffi from "koffi";

export type Ptr = bigint;

let libbpfHandle: ReturnType<typeof koffi.load> | null = null;
let libcHandle: ReturnType<typeof koffi.load> | null = null;

/** The libbpf functions tsnap uses, declared from their C prototypes. */
function declare() {
  libbpfHandle ??= koffi.load("libbpf.so.1");
  libcHandle ??= koffi.load("libc.so.6");
  const b = libbpfHandle;
  const c = libcHandle;
  const printFn = koffi.proto("int libbpf_print_fn(int level, void *fmt, void *args)");
  return {
    printFn,
    libbpf_set_print: b.func("void *libbpf_set_print(void *fn)"),
    libbpf_strerror: b.func("int libbpf_strerror(int err, _Out_ uint8_t *buf, size_t size)"),
    bpf_object__open_file: b.func("void *bpf_object__open_file(const char *path, void *opts)"),
    bpf_object__load: b.func("int bpf_object__load(void *obj)"),
    bpf_object__close: b.func("void bpf_object__close(void *obj)"),
    bpf_object__find_program_by_name: b.func(
      "void *bpf_object__find_program_by_name(void *obj, const char *name)",
    ),
    bpf_object__next_program: b.func("void *bpf_object__next_program(void *obj, void *prog)"),
    bpf_object__next_map: b.func("void *bpf_object__next_map(void *obj, void *map)"),
    bpf_object__find_map_by_name: b.func("void *bpf_object__find_map_by_name(void *obj, const char *name)"),
    bpf_program__name: b.func("const char *bpf_program__name(void *prog)"),
    bpf_program__section_name: b.func("const char *bpf_program__section_name(void *prog)"),
    bpf_program__set_autoload: b.func("int bpf_program__set_autoload(void *prog, bool autoload)"),
    bpf_program__autoload: b.func("bool bpf_program__autoload(void *prog)"),
    bpf_program__fd: b.func("int bpf_program__fd(void *prog)"),
    bpf_program__attach: b.func("void *bpf_program__attach(void *prog)"),
    bpf_program__attach_iter: b.func("void *bpf_program__attach_iter(void *prog, void *opts)"),
    bpf_program__attach_perf_event: b.func("void *bpf_program__attach_perf_event(void *prog, int pfd)"),
    bpf_program__attach_uprobe_opts: b.func(
      "void *bpf_program__attach_uprobe_opts(void *prog, int pid, const char *binary_path, size_t func_offset, void *opts)",
    ),
    bpf_program__attach_tracepoint_opts: b.func(
      "void *bpf_program__attach_tracepoint_opts(void *prog, const char *tp_category, const char *tp_name, void *opts)",
    ),
    bpf_link__fd: b.func("int bpf_link__fd(void *link)"),
    bpf_link__destroy: b.func("int bpf_link__destroy(void *link)"),
    bpf_iter_create: b.func("int bpf_iter_create(int link_fd)"),
    bpf_map__fd: b.func("int bpf_map__fd(void *map)"),
    bpf_map__name: b.func("const char *bpf_map__name(void *map)"),
    bpf_map__max_entries: b.func("uint32_t bpf_map__max_entries(void *map)"),
    bpf_map__set_max_entries: b.func("int bpf_map__set_max_entries(void *map, uint32_t max_entries)"),
    bpf_map__set_initial_value: b.func(
      "int bpf_map__set_initial_value(void *map, const void *data, size_t size)",
    ),
    bpf_map__initial_value: b.func("void *bpf_map__initial_value(void *map, _Out_ size_t *psize)"),
    bpf_map_lookup_elem: b.func("int bpf_map_lookup_elem(int fd, const void *key, void *value)"),
    bpf_map_update_elem: b.func(
      "int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)",
    ),
    bpf_map_delete_elem: b.func("int bpf_map_delete_elem(int fd, const void *key)"),
    bpf_map_get_next_key: b.func("int bpf_map_get_next_key(int fd, const void *key, void *next_key)"),
    bpf_map_lookup_batch: b.func(
      "int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, _Inout_ uint32_t *count, void *opts)",
    ),
    bpf_map_lookup_and_delete_batch: b.func(
      "int bpf_map_lookup_and_delete_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, _Inout_ uint32_t *count, void *opts)",
    ),
    bpf_enable_stats: b.func("int bpf_enable_stats(int type)"),
    mmap: c.func("void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)"),
    munmap: c.func("int munmap(void *addr, size_t length)"),
    syscall: c.func("long syscall(long number, ...)"),
    vsnprintf: c.func("int vsnprintf(_Out_ uint8_t *buf, size_t size, void *fmt, void *args)"),
    sysconf: c.func("long sysconf(int name)"),
    epoll_create1: c.func("int epoll_create1(int flags)"),
    epoll_ctl: c.func("int epoll_ctl(int epfd, int op, int fd, void *event)"),
    epoll_wait: c.func("int epoll_wait(int epfd, void *events, int maxevents, int timeout)"),
    eventfd: c.func("int eventfd(unsigned int initval, int flags)"),
    pthread_sigmask: c.func("int pthread_sigmask(int how, const uint8_t *set, _Out_ uint8_t *oldset)"),
  };
}

let api: ReturnType<typeof declare> | null = null;

/** The bound functions (libbpf.so.1 and libc are loaded on first use). */
export function libbpf(): ReturnType<typeof declare> {
  api ??= declare();
  return api;
}

/** errno of the last native call on this thread. */
export function errno(): number {
  return koffi.errno();
}

/** A memory view over native memory (mmapped ring buffer pages); no copy. */
export function view(ptr: Ptr, len: number): Buffer {
  return Buffer.from(koffi.view(ptr, len));
}

/** The address of a Buffer's bytes, for structs that carry pointers. */
export function addressOf(buf: Buffer): Ptr {
  return koffi.address(buf);
}

/** Native pointers come back as bigint, or null for NULL. */
export function isNull(p: Ptr | null | undefined): boolean {
  return p === null || p === undefined || p === 0n;
}

const MMAP_FAILED = 0xffffffffffffffffn;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;

export function mmapFd(length: number, prot: number, fd: number, offset: number): Ptr {
  const p = libbpf().mmap(null, length, prot, MAP_SHARED, fd, offset) as Ptr;
  if (isNull(p) || BigInt.asUintN(64, p) === MMAP_FAILED) return 0n;
  return p;
}

const SC_PAGESIZE = 30;
const SYS_MEMBARRIER = process.arch === "arm64" ? 283 : 324; // arm64 (asm-generic), x86-64
const MEMBARRIER_CMD_GLOBAL = 1;
const quiet = new Int32Array(new SharedArrayBuffer(4));

/**
 * Returns once every BPF program that was running when it was called has finished: an RCU
 * grace period (membarrier(MEMBARRIER_CMD_GLOBAL) is synchronize_rcu(); tracing programs
 * run inside RCU read-side sections). The thread sleeps meanwhile (a few ms, no CPU). Where
 * the kernel refuses it (nohz_full CPUs), sleeps 50 ms, far beyond any program's run.
 */
export function waitForRunningPrograms(): void {
  const rc = Number(
    libbpf().syscall(SYS_MEMBARRIER, "int", MEMBARRIER_CMD_GLOBAL, "unsigned int", 0, "int", -1),
  );
  if (rc < 0) Atomics.wait(quiet, 0, 0, 50);
}

export function pageSize(): number {
  return Number(libbpf().sysconf(SC_PAGESIZE));
}

/** perf_event_open(2): returns an fd or -errno. `attr` is a filled perf_event_attr. */
export function perfEventOpen(
  attr: Buffer,
  pid: number,
  cpu: number,
  groupFd: number,
  flags: number,
): number {
  const nr = process.arch === "arm64" ? 241 : 298;
  const fd = Number(
    libbpf().syscall(nr, "void *", attr, "int", pid, "int", cpu, "int", groupFd, "unsigned long", flags),
  );
  return fd < 0 ? -errno() : fd;
}

/** Routes libbpf's log to `sink` (null silences it; libbpf's default prints to stderr). */
let printCallback: unknown = null;
export function setPrint(sink: ((level: number, line: string) => void) | null): void {
  const b = libbpf();
  if (printCallback !== null) {
    b.libbpf_set_print(null);
    koffi.unregister(printCallback as bigint);
    printCallback = null;
  }
  if (sink === null) {
    b.libbpf_set_print(null);
    return;
  }
  // Big enough for a verifier log (libbpf prints it as one message; a va_list cannot be
  // formatted twice, so a longer message is cut).
  const buf = Buffer.alloc(1 << 20);
  printCallback = koffi.register((level: number, fmt: Ptr, args: Ptr) => {
    const n = b.vsnprintf(buf, buf.length, fmt, args) as number;
    sink(level, buf.toString("utf8", 0, Math.max(0, Math.min(n, buf.length - 1))));
    return 0;
  }, koffi.pointer(b.printFn));
  b.libbpf_set_print(printCallback);
}

/** libbpf's words for an error number (positive errno or libbpf's own codes). */
export function strerror(err: number): string {
  const buf = Buffer.alloc(256);
  libbpf().libbpf_strerror(Math.abs(err), buf, buf.length);
  const end = buf.indexOf(0);
  return buf.toString("utf8", 0, end < 0 ? buf.length : end);
}

const SIG_BLOCK = 0;
const SIG_SETMASK = 2;

/**
 * Runs `fn` with every signal blocked on this thread (restored after): a signal that
 * arrives meanwhile (the profiler's SIGPROF under `node --cpu-prof`, a Ctrl-C) waits
 * instead of making the verifier give up with EAGAIN; it is delivered right after.
 */
export function withSignalsBlocked<T>(fn: () => T): T {
  const all = Buffer.alloc(128, 0xff); // sigset_t (glibc: 1024 bits)
  const old = Buffer.alloc(128);
  const blocked = libbpf().pthread_sigmask(SIG_BLOCK, all, old) === 0;
  try {
    return fn();
  } finally {
    if (blocked) libbpf().pthread_sigmask(SIG_SETMASK, old, null);
  }
}
