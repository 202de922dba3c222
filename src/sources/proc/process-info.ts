// Per-process data (cmdline, cgroup, exe, status, fd paths, user names) for both sources,
// cached across rounds with sound invalidation, so a process costs about one pread per
// round instead of a handful of open/read/close and readlink calls:
// - pid reuse: each process holds an fd on /proc/PID/cmdline opened while it lived; the
//   kernel ties that fd to the process (its struct pid), so once the process is gone every
//   read fails, even when the PID already names a new process. The entry is then dropped.
// - exec and process titles: the cmdline is re-read (pread on the held fd) every round
//   the process is sampled; when its bytes change (exec, setproctitle) the exe path, the
//   fd paths are read again. An exec that keeps the exact same argv keeps
//   the cached exe path until the entry is next refreshed (at most REFRESH_MS).
// - cgroup moves happen without exec: the bpf source keys cgroup paths by the kernel's
//   cgroup id (cgroupPath); the proc source re-reads /proc/PID/cgroup every round.
import { closeSync, openSync, readFileSync, readlinkSync, readSync } from "node:fs";
import { parseCgroup, parseCmdline, parsePasswd } from "./parse.js";

/** Processes we keep an fd for; beyond this, lookups fall back to open/read/close. */
const MAX_ENTRIES = 4096;
/** Entries not sampled for this long are closed. */
const IDLE_MS = 60_000;
/** Every entry's exe/cgroup/fd paths are re-read at least this often. */
const REFRESH_MS = 60_000;

interface ProcEntry {
  /** fd on /proc/PID/cmdline, -1 when over the budget (no caching then). */
  fd: number;
  /** Last cmdline bytes (null: not read yet). */
  raw: Buffer | null;
  cmdline: string | null;
  exe: string | null | undefined;
  cgroup: string | null;
  /** Round in which the cgroup was read (proc source: once per round). */
  cgroupRound: number;
  /** fd number → path and the round it was read in. */
  fdPaths: Map<number, { path: string | null; round: number }>;
  /** Round in which the cmdline was last checked. */
  checked: number;
  lastUsedMs: number;
  refreshedMs: number;
}

export class ProcessInfoCache {
  private readonly entries = new Map<number, ProcEntry>();
  private readonly statusRound = new Map<number, string | null>();
  private readonly cgroupsById = new Map<number | bigint, string | null>();
  private readonly scratch = Buffer.allocUnsafe(64 * 1024);
  private users: Map<number, string> | null = null;
  private round = 0;
  private nowMs = 0;
  private lastSweepMs = 0;

  /** Start of a round: values that may have changed are checked again when next asked for. */
  startRound(): void {
    this.round++;
    this.statusRound.clear();
    this.nowMs = performance.now();
    if (this.nowMs - this.lastSweepMs > IDLE_MS / 4) this.sweep();
  }

  /** /proc/PID/cmdline as one line (NULs as spaces); null when unreadable. */
  cmdline(tgid: number): string | null {
    return this.entry(tgid)?.cmdline ?? null;
  }

  /** The process's cgroup path (/proc/PID/cgroup), read once per round; null when unreadable. */
  cgroup(tgid: number): string | null {
    const e = this.entry(tgid);
    if (e === null) return null;
    if (e.cgroupRound !== this.round) {
      e.cgroup = readText(`/proc/${tgid}/cgroup`, parseCgroup);
      e.cgroupRound = this.round;
    }
    return e.cgroup;
  }

  /**
   * The cgroup path of a kernel cgroup id (bpf source), read once per id from the
   * process that has it; ids are never reused while the cgroup exists.
   */
  cgroupPath(id: number | bigint, tgid: number): string | null {
    let v = this.cgroupsById.get(id);
    if (v === undefined) {
      v = readText(`/proc/${tgid}/cgroup`, parseCgroup);
      if (this.cgroupsById.size > 65_536) this.cgroupsById.clear();
      this.cgroupsById.set(id, v);
    }
    return v;
  }

  /** /proc/PID/exe target, read again after an exec; null for kernel threads or no permission. */
  exe(tgid: number): string | null {
    const e = this.entry(tgid);
    if (e === null) return null;
    if (e.exe === undefined || e.fd < 0) {
      try {
        e.exe = readlinkSync(`/proc/${tgid}/exe`);
      } catch {
        e.exe = null;
      }
    }
    return e.exe;
  }

  /** The thread's status text (uid, NSpid), cached per process for this round. */
  status(tgid: number, tid: number): string | null {
    let v = this.statusRound.get(tgid);
    if (v === undefined) {
      try {
        v = readFileSync(`/proc/${tgid}/task/${tid}/status`, "latin1");
      } catch {
        v = null;
      }
      this.statusRound.set(tgid, v);
    }
    return v;
  }

  /**
   * The path an open fd of a process points at (readlink of /proc/PID/fd/N), or null.
   * With `lastComponent` (the kernel's name of the file, bpf source) a cached path that
   * still ends in that name is reused; without it the path is cached for this round only.
   */
  fdPath(tgid: number, fd: number, lastComponent?: string): string | null {
    if (fd < 0) return null;
    const e = this.entry(tgid);
    const cached = e?.fdPaths.get(fd);
    if (
      cached !== undefined &&
      (cached.round === this.round ||
        (lastComponent !== undefined && endsWithName(cached.path, lastComponent)))
    )
      return cached.path;
    let path: string | null;
    try {
      path = readlinkSync(`/proc/${tgid}/fd/${fd}`);
    } catch {
      path = null;
    }
    if (e !== null && e.fd >= 0) {
      if (e.fdPaths.size > 256) e.fdPaths.clear();
      e.fdPaths.set(fd, { path, round: this.round });
    }
    return path;
  }

  /** uid → name from /etc/passwd (read once, on first use), else the number. */
  userName(uid: number | null): string | null {
    if (uid === null) return null;
    this.users ??= loadUsers();
    return this.users.get(uid) ?? String(uid);
  }

  /** Closes every held fd. */
  close(): void {
    for (const e of this.entries.values()) if (e.fd >= 0) closeQuietly(e.fd);
    this.entries.clear();
  }

  /** Number of fds held (for leak tests). */
  get openFds(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.fd >= 0) n++;
    return n;
  }

  /** The process's entry, its cmdline checked once this round; null when it is gone. */
  private entry(tgid: number): ProcEntry | null {
    const old = this.entries.get(tgid);
    if (old !== undefined && old.checked === this.round) return old;
    let e = old ?? this.open(tgid);
    if (e === null) return null;
    let n = this.readCmdline(e);
    if (n < 0 && old !== undefined) {
      // The process this fd belongs to is gone (the PID may name a new one): start over.
      this.drop(tgid, old);
      e = this.open(tgid);
      if (e === null) return null;
      n = this.readCmdline(e);
    }
    if (e.fd < 0) return this.uncached(tgid, e);
    if (n < 0) {
      this.drop(tgid, e);
      return null;
    }
    const bytes = this.scratch.subarray(0, n);
    if (e.raw === null || this.nowMs - e.refreshedMs > REFRESH_MS || !e.raw.equals(bytes)) {
      // New, exec'd or retitled: what was derived from the old image is read again.
      e.raw = Buffer.from(bytes);
      e.cmdline = parseCmdline(bytes.toString("utf8"));
      e.exe = undefined;
      e.fdPaths.clear();
      e.refreshedMs = this.nowMs;
    }
    e.checked = this.round;
    e.lastUsedMs = this.nowMs;
    return e;
  }

  /** pread of the held cmdline fd into scratch: bytes read, or -1 when the process is gone. */
  private readCmdline(e: ProcEntry): number {
    if (e.fd < 0) return 0;
    try {
      return readSync(e.fd, this.scratch, 0, this.scratch.length, 0);
    } catch {
      return -1;
    }
  }

  private open(tgid: number): ProcEntry | null {
    let fd = -1;
    if (this.entries.size < MAX_ENTRIES) {
      try {
        fd = openSync(`/proc/${tgid}/cmdline`, "r");
      } catch {
        return null;
      }
    }
    const e: ProcEntry = {
      fd,
      raw: null,
      cmdline: null,
      exe: undefined,
      cgroup: null,
      cgroupRound: 0,
      fdPaths: new Map(),
      checked: 0,
      lastUsedMs: this.nowMs,
      refreshedMs: this.nowMs,
    };
    if (fd >= 0) this.entries.set(tgid, e);
    return e;
  }

  /** Over the fd budget: read everything fresh (the pre-cache behaviour). */
  private uncached(tgid: number, e: ProcEntry): ProcEntry {
    e.cmdline = readText(`/proc/${tgid}/cmdline`, parseCmdline)?.slice(0, this.scratch.length) ?? null;
    e.exe = undefined;
    e.cgroupRound = 0;
    e.fdPaths.clear();
    e.checked = this.round;
    return e;
  }

  private drop(tgid: number, e: ProcEntry): void {
    if (e.fd >= 0) closeQuietly(e.fd);
    this.entries.delete(tgid);
  }

  private sweep(): void {
    this.lastSweepMs = this.nowMs;
    for (const [tgid, e] of this.entries) if (this.nowMs - e.lastUsedMs > IDLE_MS) this.drop(tgid, e);
  }
}

function endsWithName(path: string | null, name: string): boolean {
  if (path === null) return false;
  return path === name || (path.endsWith(name) && path.charCodeAt(path.length - name.length - 1) === 47);
}

function readText(path: string, parse: (text: string) => string): string | null {
  try {
    return parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function loadUsers(): Map<number, string> {
  try {
    return parsePasswd(readFileSync("/etc/passwd", "latin1"));
  } catch {
    return new Map();
  }
}
