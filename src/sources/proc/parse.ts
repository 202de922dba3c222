// Pure parsers of /proc text. No I/O here: each takes the text (or bytes) of one file.
import type { ThreadState } from "../../model/sample.js";

export interface StatFields {
  comm: string;
  /** The one-letter state from stat ("R", "S", "D", ...). */
  stateChar: string;
  ppid: number;
  utime: number;
  stime: number;
  /** CPU the thread last ran on. */
  processor: number;
  numThreads: number;
  starttime: number;
}

/**
 * Parses /proc/PID/task/TID/stat. comm is between the first "(" and the LAST ")": a comm
 * may itself contain ")" and spaces. Returns null for text that is not a stat line.
 */
export function parseStat(text: string): StatFields | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  // After ") " come the fields from 3 (state) on, space-separated.
  const rest = text.slice(close + 2).split(" ");
  if (rest.length < 37) return null;
  return {
    comm: text.slice(open + 1, close),
    stateChar: rest[0],
    ppid: Number(rest[1]),
    utime: Number(rest[11]),
    stime: Number(rest[12]),
    numThreads: Number(rest[17]),
    starttime: Number(rest[19]),
    processor: Number(rest[36]),
  };
}

/** Maps the stat state letter to a tsnap state. /proc cannot tell RUN from RUNQ. */
export function stateFromChar(c: string): ThreadState {
  switch (c) {
    case "R":
      return "RUN";
    case "D":
      return "DISK";
    case "S":
      return "SLEEP";
    case "T":
      return "STOPPED";
    case "t":
      return "TRACED";
    case "Z":
      return "ZOMBIE";
    case "X":
    case "x":
      return "DEAD";
    case "I":
      return "IDLE";
    case "P":
      return "PARKED";
    default:
      return "UNKNOWN";
  }
}

export type SyscallFields =
  | { kind: "running" }
  /** Blocked, but not in a syscall (e.g. a page fault): "-1 sp pc". */
  | { kind: "none" }
  | { kind: "syscall"; nr: number; args: bigint[] };

/** Parses /proc/PID/task/TID/syscall: "running", "-1 sp pc", or "nr a1..a6 sp pc". */
export function parseSyscall(text: string): SyscallFields | null {
  const t = text.trim();
  if (t === "running") return { kind: "running" };
  const parts = t.split(" ");
  const nr = Number(parts[0]);
  if (parts[0] === "" || !Number.isInteger(nr)) return null;
  if (nr < 0) return { kind: "none" };
  if (parts.length < 7) return null;
  // Kernel threads never enter syscalls: they read as "0" with a zero stack and pc.
  if (parts[7] === "0x0" && parts[8] === "0x0") return { kind: "none" };
  const args: bigint[] = [];
  for (let i = 1; i <= 6; i++) args.push(BigInt(parts[i]));
  return { kind: "syscall", nr, args };
}

/** /proc/PID/task/TID/wchan: a kernel function name, or "0"/"" when not blocked. */
export function parseWchan(text: string): string | null {
  const t = text.trim();
  return t === "" || t === "0" ? null : t;
}

/**
 * /proc/PID/task/TID/stack: lines "[<0>] func+0x37/0x90". Returns frames leaf first as
 * "func+0x37" (xcapture's frame form), or [] when empty.
 */
export function parseKstack(text: string): string[] {
  const frames: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\[<[0-9a-fx]+>\] (\S+?)(?:\/0x[0-9a-f]+)?$/.exec(line.trim());
    if (m) frames.push(m[1]);
  }
  return frames;
}

/** The real uid from /proc/PID/status ("Uid:\treal\teffective\tsaved\tfs"). */
export function parseStatusUid(text: string): number | null {
  const m = /^Uid:\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** The innermost pid namespace's PID from NSpid, or null. */
export function parseStatusNsPid(text: string): number | null {
  const m = /^NSpid:\s+([\d\s]+)$/m.exec(text);
  if (!m) return null;
  const ids = m[1].trim().split(/\s+/);
  return Number(ids[ids.length - 1]);
}

/** /proc/PID/cmdline: NUL-separated arguments → one space-joined line. */
export function parseCmdline(text: string): string {
  return text.replace(/\0+$/, "").split("\0").join(" ");
}

/**
 * /proc/PID/cgroup: the cgroup v2 path ("0::/path") when it is not the root; on hybrid
 * hierarchies, else the first non-root v1 path as "controller:/path"; else "/".
 */
export function parseCgroup(text: string): string {
  let v1: string | null = null;
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (controllers === "" && line.startsWith("0:")) {
      if (path !== "/") return path;
    } else if (v1 === null && path !== "/" && path !== "") {
      v1 = `${controllers}:${path}`;
    }
  }
  return v1 ?? "/";
}

/** /proc/PID/task/TID/io: the read_bytes and write_bytes counters. */
export function parseIo(text: string): { readBytes: number; writeBytes: number } | null {
  const r = /^read_bytes:\s+(\d+)/m.exec(text);
  const w = /^write_bytes:\s+(\d+)/m.exec(text);
  if (!r || !w) return null;
  return { readBytes: Number(r[1]), writeBytes: Number(w[1]) };
}

/** /etc/passwd → uid to user name. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length >= 3 && /^\d+$/.test(f[2]) && !users.has(Number(f[2]))) users.set(Number(f[2]), f[0]);
  }
  return users;
}
