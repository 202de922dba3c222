// A BPF object: open (parse the ELF, no kernel), configure (read-only config, which
// programs load), load (the verifier), attach. Every holder of an fd or link has close();
// objects still open at process exit are closed by the exit hook in handles.ts.
import { readFileSync } from "node:fs";
import { NotSupported, TsnapError } from "../errors.js";
import { missingObjectAdvice } from "../platform/installation.js";
import { track, untrack } from "./handles.js";
import {
  addressOf as addressOfBuffer,
  errno,
  isNull,
  libbpf,
  type Ptr,
  strerror,
  withSignalsBlocked,
} from "./libbpf.js";

/**
 * A failed libbpf or bpf(2) call, with errno. A TsnapError: printed as one line (the
 * kernel refused something, tsnap did not crash); callers that know what the refusal
 * means for the user rethrow it as InputError, NotSupported or PermissionError.
 */
export class BpfError extends TsnapError {
  override name = "BpfError";
  constructor(
    readonly op: string,
    readonly errno: number,
  ) {
    super(`bpf ${op}: ${strerror(errno)} (errno ${errno})`);
  }
}

export interface UprobeOptions {
  /** Only this process (default: every process). */
  pid?: number;
  retprobe?: boolean;
  /** bpf_get_attach_cookie()'s value. */
  cookie?: number;
  /** File offset of a USDT semaphore the kernel counts attached probes in (0: none). */
  refCtrOffset?: number;
}

export class Link {
  private ptr: Ptr | null;
  constructor(
    ptr: Ptr,
    readonly what: string,
  ) {
    this.ptr = ptr;
    track(this);
  }
  get fd(): number {
    if (this.ptr === null) throw new Error(`link ${this.what} is closed`);
    return libbpf().bpf_link__fd(this.ptr) as number;
  }
  /** The kernel id of the attached program (for `bpftool prog show id N`), null when unknown. */
  programId(): number | null {
    try {
      const m = /^prog_id:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${this.fd}`, "utf8"));
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }
  close(): void {
    if (this.ptr === null) return;
    libbpf().bpf_link__destroy(this.ptr);
    this.ptr = null;
    untrack(this);
  }
}

export class BpfObject {
  private ptr: Ptr | null;
  private loaded = false;

  private constructor(
    ptr: Ptr,
    readonly path: string,
  ) {
    this.ptr = ptr;
    track(this);
  }

  /** Parses the object file (no kernel involved). */
  static open(path: string): BpfObject {
    const p = libbpf().bpf_object__open_file(path, null) as Ptr | null;
    if (isNull(p)) {
      const e = errno();
      if (e === 2) throw new NotSupported("bpf programs", `${path} is missing: ${missingObjectAdvice()}`);
      throw new BpfError(`open ${path}`, e);
    }
    return new BpfObject(p as Ptr, path);
  }

  private get handle(): Ptr {
    if (this.ptr === null) throw new Error(`${this.path} is closed`);
    return this.ptr;
  }

  /** Names of all programs in the object. */
  programNames(): string[] {
    const b = libbpf();
    const names: string[] = [];
    for (let p = b.bpf_object__next_program(this.handle, null) as Ptr | null; !isNull(p); ) {
      names.push(b.bpf_program__name(p) as string);
      p = b.bpf_object__next_program(this.handle, p) as Ptr | null;
    }
    return names;
  }

  /** Names of all maps in the object (internal ones such as `.rodata` included). */
  mapNames(): string[] {
    const b = libbpf();
    const names: string[] = [];
    for (let m = b.bpf_object__next_map(this.handle, null) as Ptr | null; !isNull(m); ) {
      names.push(b.bpf_map__name(m) as string);
      m = b.bpf_object__next_map(this.handle, m) as Ptr | null;
    }
    return names;
  }

  private prog(name: string): Ptr {
    const p = libbpf().bpf_object__find_program_by_name(this.handle, name) as Ptr | null;
    if (isNull(p)) throw new Error(`no program ${name} in ${this.path}`);
    return p as Ptr;
  }

  /** Section name of a program ("tp_btf/sys_enter"). */
  section(name: string): string {
    return libbpf().bpf_program__section_name(this.prog(name)) as string;
  }

  /** Before load: load only the named programs (all others are disabled). */
  onlyPrograms(names: readonly string[]): void {
    const want = new Set(names);
    for (const n of this.programNames()) libbpf().bpf_program__set_autoload(this.prog(n), want.has(n));
  }

  /** Before load: the initial bytes of a read-only section (`.rodata`: the config struct). */
  setReadOnlyConfig(bytes: Buffer, section = ".rodata"): void {
    const map = this.mapPtr(section);
    const size = [0];
    const cur = libbpf().bpf_map__initial_value(map, size) as Ptr | null;
    if (isNull(cur)) throw new Error(`${this.path}: ${section} has no initial value`);
    if (size[0] !== bytes.length) {
      throw new Error(
        `${this.path}: ${section} is ${size[0]} bytes, config is ${bytes.length}; rebuild (scripts/build-bpf.sh)`,
      );
    }
    const rc = libbpf().bpf_map__set_initial_value(map, bytes, bytes.length) as number;
    if (rc < 0) throw new BpfError(`set ${section}`, -rc);
  }

  load(): void {
    // The verifier stops with EAGAIN when a signal is pending: hold signals off meanwhile.
    const rc = withSignalsBlocked(() => libbpf().bpf_object__load(this.handle) as number);
    if (rc < 0) throw new BpfError(`load ${this.path}`, -rc || errno());
    this.loaded = true;
  }

  private mapPtr(name: string): Ptr {
    const m = libbpf().bpf_object__find_map_by_name(this.handle, name) as Ptr | null;
    if (isNull(m)) throw new Error(`no map ${name} in ${this.path}`);
    return m as Ptr;
  }

  /** fd of a map (after load); owned by the object. */
  mapFd(name: string): number {
    if (!this.loaded) throw new Error(`map ${name}: object not loaded`);
    return libbpf().bpf_map__fd(this.mapPtr(name)) as number;
  }

  /** Before load: a map's size (a ring buffer's bytes: a power of two, whole pages). */
  setMaxEntries(name: string, n: number): void {
    const rc = libbpf().bpf_map__set_max_entries(this.mapPtr(name), n) as number;
    if (rc < 0) throw new BpfError(`set max_entries of ${name}`, -rc);
  }

  mapMaxEntries(name: string): number {
    return libbpf().bpf_map__max_entries(this.mapPtr(name)) as number;
  }

  /** Attach a program where its section says (tp_btf, raw_tp, tracepoint, ...). */
  attach(name: string): Link {
    const l = libbpf().bpf_program__attach(this.prog(name)) as Ptr | null;
    if (isNull(l)) throw new BpfError(`attach ${this.section(name)}`, errno());
    return new Link(l as Ptr, name);
  }

  /**
   * Attach a task iterator; `pid` > 0 makes the kernel visit only that process's threads
   * (kernels from 6.1; older ones refuse, the caller falls back to filtering in BPF).
   */
  attachTaskIter(name: string, pid = 0): Link {
    let l: Ptr | null;
    if (pid > 0) {
      // union bpf_iter_link_info { ...; struct { __u32 tid, pid, pid_fd; } task; } (16 bytes)
      const info = Buffer.alloc(16);
      info.writeUInt32LE(pid, 4);
      // struct bpf_iter_attach_opts { size_t sz; union bpf_iter_link_info *link_info; __u32 link_info_len; }
      const opts = Buffer.alloc(24);
      opts.writeBigUInt64LE(24n, 0);
      opts.writeBigUInt64LE(addressOfBuffer(info), 8);
      opts.writeUInt32LE(16, 16);
      l = libbpf().bpf_program__attach_iter(this.prog(name), opts) as Ptr | null;
      void info.length; // keep `info` alive across the call
    } else {
      l = libbpf().bpf_program__attach_iter(this.prog(name), null) as Ptr | null;
    }
    if (isNull(l)) throw new BpfError(`attach ${this.section(name)}`, errno());
    return new Link(l as Ptr, name);
  }

  attachPerfEvent(name: string, perfFd: number): Link {
    const l = libbpf().bpf_program__attach_perf_event(this.prog(name), perfFd) as Ptr | null;
    if (isNull(l)) throw new BpfError(`attach ${this.section(name)}`, errno());
    return new Link(l as Ptr, name);
  }

  /**
   * Attach a uprobe at `offset` in `binary`: for all processes, or only `opts.pid`'s; a
   * uretprobe with `opts.retprobe`; `opts.cookie` is what bpf_get_attach_cookie() returns.
   */
  attachUprobe(name: string, binary: string, offset: number, opts: UprobeOptions = {}): Link {
    // struct bpf_uprobe_opts { size_t sz; size_t ref_ctr_offset; __u64 bpf_cookie; bool retprobe; const char *func_name; }
    const o = Buffer.alloc(40);
    o.writeBigUInt64LE(40n, 0);
    o.writeBigUInt64LE(BigInt(opts.refCtrOffset ?? 0), 8);
    o.writeBigUInt64LE(BigInt(opts.cookie ?? 0), 16);
    o.writeUInt8(opts.retprobe ? 1 : 0, 24);
    const l = libbpf().bpf_program__attach_uprobe_opts(
      this.prog(name),
      opts.pid ?? -1,
      binary,
      offset,
      o,
    ) as Ptr | null;
    const what = `${opts.retprobe ? "uretprobe" : "uprobe"} ${binary}+0x${offset.toString(16)}`;
    if (isNull(l)) throw new BpfError(`attach ${what}`, errno());
    return new Link(l as Ptr, name);
  }

  /** Attach a `tracepoint` program to category:event; `cookie` as for uprobes. */
  attachTracepoint(name: string, category: string, event: string, cookie = 0): Link {
    // struct bpf_tracepoint_opts { size_t sz; __u64 bpf_cookie; }
    const o = Buffer.alloc(16);
    o.writeBigUInt64LE(16n, 0);
    o.writeBigUInt64LE(BigInt(cookie), 8);
    const l = libbpf().bpf_program__attach_tracepoint_opts(this.prog(name), category, event, o) as Ptr | null;
    if (isNull(l)) throw new BpfError(`attach tracepoint ${category}:${event}`, errno());
    return new Link(l as Ptr, name);
  }

  close(): void {
    if (this.ptr === null) return;
    libbpf().bpf_object__close(this.ptr);
    this.ptr = null;
    untrack(this);
  }
}
