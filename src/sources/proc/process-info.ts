// Per-process data (cmdline, cgroup, exe, status, user names), read at most once per
// process per round, so a process with 500 threads costs one read, not 500.
import { readFileSync, readlinkSync } from "node:fs";
import { parsePasswd } from "./parse.js";

export class ProcessInfoCache {
  private round = new Map<string, string | null>();
  private users: Map<number, string> | null = null;

  /** Forget last round's per-process values (they may have changed). */
  startRound(): void {
    this.round.clear();
  }

  /** /proc/PID/<file>, parsed, cached for this round; null when unreadable. */
  perProcess(tgid: number, file: "cmdline" | "cgroup", parse: (text: string) => string): string | null {
    const key = `${tgid}/${file}`;
    let v = this.round.get(key);
    if (v === undefined) {
      try {
        v = parse(readFileSync(`/proc/${tgid}/${file}`, "latin1"));
      } catch {
        v = null;
      }
      this.round.set(key, v);
    }
    return v;
  }

  /** /proc/PID/exe target, cached for this round; null for kernel threads or no permission. */
  exe(tgid: number): string | null {
    const key = `${tgid}/exe`;
    let v = this.round.get(key);
    if (v === undefined) {
      try {
        v = readlinkSync(`/proc/${tgid}/exe`);
      } catch {
        v = null;
      }
      this.round.set(key, v);
    }
    return v;
  }

  /** The thread's status text (uid, NSpid), cached per process for this round. */
  status(tgid: number, tid: number): string | null {
    const key = `${tgid}/status`;
    let v = this.round.get(key);
    if (v === undefined) {
      try {
        v = readFileSync(`/proc/${tgid}/task/${tid}/status`, "latin1");
      } catch {
        v = null;
      }
      this.round.set(key, v);
    }
    return v;
  }

  /** The path an open fd of a process points at (readlink of /proc/PID/fd/N), or null. */
  fdPath(tgid: number, fd: number): string | null {
    if (fd < 0) return null;
    try {
      return readlinkSync(`/proc/${tgid}/fd/${fd}`);
    } catch {
      return null;
    }
  }

  /** uid → name from /etc/passwd (read once, on first use), else the number. */
  userName(uid: number | null): string | null {
    if (uid === null) return null;
    this.users ??= loadUsers();
    return this.users.get(uid) ?? String(uid);
  }
}

function loadUsers(): Map<number, string> {
  try {
    return parsePasswd(readFileSync("/etc/passwd", "latin1"));
  } catch {
    return new Map();
  }
}
