// The I/O half of the proc source: per-thread file descriptors kept open and re-read
// from offset 0 (pread), which costs a third of open+read+close. Every read reports
// "gone" (thread exited), "denied" (no permission) or the file's text.
import { closeSync, openSync, readFileSync, readSync } from "node:fs";

export const THREAD_FILES = ["stat", "syscall", "wchan", "stack", "io"] as const;
export type ThreadFile = (typeof THREAD_FILES)[number];

export const GONE = Symbol("gone");
export const DENIED = Symbol("denied");
export type ReadResult = string | typeof GONE | typeof DENIED;

/** Open fds of one thread, one slot per ThreadFile (-1 = not open). */
export class ThreadHandle {
  readonly fds = new Int32Array(THREAD_FILES.length).fill(-1);
  /** Round in which the thread was last listed; handles not listed are closed. */
  seenRound = 0;
  constructor(
    readonly tid: number,
    readonly tgid: number,
  ) {}
}

const GONE_CODES = new Set(["ENOENT", "ESRCH", "ENOTDIR"]);
const DENIED_CODES = new Set(["EACCES", "EPERM"]);

/** The soft limit on open files of this process (from /proc/self/limits). */
export function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "latin1"));
    if (m) return m[1] === "unlimited" ? 1 << 20 : Number(m[1]);
  } catch {
    // fall through
  }
  return 1024;
}

export class ProcFiles {
  private readonly buf = Buffer.allocUnsafe(64 * 1024);
  private openFds = 0;

  /** @param maxFds fds we may keep open; past that, files are opened, read and closed. */
  constructor(private readonly maxFds: number) {}

  /** Reads one file of a thread, keeping its fd open when the budget allows. */
  read(h: ThreadHandle, file: ThreadFile): ReadResult {
    const slot = THREAD_FILES.indexOf(file);
    let fd = h.fds[slot];
    const keep = fd >= 0 || this.openFds < this.maxFds;
    if (fd < 0) {
      try {
        fd = openSync(`/proc/${h.tgid}/task/${h.tid}/${file}`, "r");
      } catch (err) {
        return classify(err);
      }
      if (keep) {
        h.fds[slot] = fd;
        this.openFds++;
      }
    }
    try {
      const n = readSync(fd, this.buf, 0, this.buf.length, 0);
      return this.buf.toString("utf8", 0, n);
    } catch (err) {
      if (keep) this.closeSlot(h, slot);
      return classify(err);
    } finally {
      if (!keep) closeSync(fd);
    }
  }

  /** Closes one thread's fds (thread gone, or its tid reused by a new thread). */
  release(h: ThreadHandle): void {
    for (let i = 0; i < h.fds.length; i++) if (h.fds[i] >= 0) this.closeSlot(h, i);
  }

  get open(): number {
    return this.openFds;
  }

  private closeSlot(h: ThreadHandle, slot: number): void {
    try {
      closeSync(h.fds[slot]);
    } catch {
      // already closed; nothing to release
    }
    h.fds[slot] = -1;
    this.openFds--;
  }
}

function classify(err: unknown): typeof GONE | typeof DENIED {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  if (DENIED_CODES.has(code)) return DENIED;
  if (GONE_CODES.has(code)) return GONE;
  throw err;
}
