// Access to tracefs: find where it is mounted (mounting it when we are root and it is not),
// list event categories and events, and read their format files. Parsing is in
// tracefs-format.ts; choosing the mount point from /proc/mounts text is pure (tracefsCandidates).
import { execFileSync } from "node:child_process";
import { type Dirent, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NotSupported, PermissionError } from "../errors.js";
import { parseEventFormat, type TraceEventFormat } from "./tracefs-format.js";

export const TRACEFS_PATH = "/sys/kernel/tracing";
export const TRACEFS_MOUNT_HINT = `mount -t tracefs nodev ${TRACEFS_PATH}`;

/**
 * Directories that hold tracefs, best first, from the text of /proc/mounts: tracefs mounts
 * (the standard path first), then `tracing/` under debugfs mounts. Pure.
 */
export function tracefsCandidates(mounts: string): string[] {
  const tracefs: string[] = [];
  const debugfs: string[] = [];
  for (const line of mounts.split("\n")) {
    const [, dir, fstype] = line.split(" ");
    if (dir === undefined || fstype === undefined) continue;
    // /proc/mounts escapes spaces and other odd bytes as octal (\040).
    const path = dir.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    if (fstype === "tracefs") tracefs.push(path);
    else if (fstype === "debugfs") debugfs.push(join(path, "tracing"));
  }
  tracefs.sort((a, b) => Number(b === TRACEFS_PATH) - Number(a === TRACEFS_PATH));
  return [...new Set([...tracefs, ...debugfs])];
}

/** One event directory: `category:name`. */
export interface TraceEventRef {
  category: string;
  name: string;
}

/** A tracefs mount: lists events and reads their formats. Holds no fds. */
export class Tracefs {
  constructor(readonly root: string) {}

  /** Event categories (sched, syscalls, ...), sorted. */
  categories(): string[] {
    return this.dirs(join(this.root, "events"));
  }

  /** Events of one category, sorted; [] for an unknown category. */
  events(category: string): string[] {
    return this.dirs(join(this.root, "events", category));
  }

  /** Every event of every category. */
  allEvents(): TraceEventRef[] {
    return this.categories().flatMap((category) => this.events(category).map((name) => ({ category, name })));
  }

  /** The raw text of an event's format file. */
  formatText(category: string, event: string): string {
    return readFileSync(join(this.root, "events", category, event, "format"), "utf8");
  }

  /** An event's parsed format; a malformed file names the event in the error. */
  format(category: string, event: string): TraceEventFormat {
    const text = this.formatText(category, event);
    try {
      return parseEventFormat(text);
    } catch (err) {
      throw new Error(`tracefs format of ${category}:${event}`, { cause: err });
    }
  }

  private dirs(dir: string): string[] {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw accessError(err);
    }
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  }
}

function accessError(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") {
    return new PermissionError("reading tracefs needs root (or read access to /sys/kernel/tracing)", {
      cause: err,
    });
  }
  return err;
}

export interface OpenTracefsOptions {
  /** Mount tracefs at /sys/kernel/tracing when it is not mounted and we are root (default true). */
  mount?: boolean;
  /** For tests: the /proc/mounts text to use instead of reading it. */
  mounts?: string;
}

/**
 * Finds tracefs, mounting it when it is missing and we are root. Errors: PermissionError
 * when it is there but not readable or we cannot mount it; NotSupported when the kernel has
 * no tracefs at all. Both say how to fix it.
 */
export function openTracefs(opts: OpenTracefsOptions = {}): Tracefs {
  const found = findMounted(opts.mounts ?? readFileSync("/proc/mounts", "utf8"));
  if (found) return checkReadable(new Tracefs(found));
  if (!kernelHasTracefs()) {
    throw new NotSupported("tracefs", "the kernel has no tracefs (CONFIG_TRACING is off)");
  }
  const root = process.getuid?.() === 0;
  if (!root || opts.mount === false) {
    throw new PermissionError(`tracefs is not mounted; as root run: ${TRACEFS_MOUNT_HINT}`);
  }
  try {
    execFileSync("mount", ["-t", "tracefs", "nodev", TRACEFS_PATH], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? "").trim();
    throw new PermissionError(
      `tracefs is not mounted and '${TRACEFS_MOUNT_HINT}' failed${stderr ? `: ${stderr}` : ""}`,
    );
  }
  return checkReadable(new Tracefs(TRACEFS_PATH));
}

/** The first candidate with an events/ directory, or one we may not look into (mode 0700). */
function findMounted(mounts: string): string | undefined {
  return tracefsCandidates(mounts).find((dir) => existsSync(join(dir, "events")) || isDenied(dir));
}

function isDenied(dir: string): boolean {
  try {
    readdirSync(dir);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EACCES";
  }
}

function checkReadable(fs: Tracefs): Tracefs {
  try {
    readdirSync(join(fs.root, "events"));
  } catch (err) {
    throw accessError(err);
  }
  return fs;
}

function kernelHasTracefs(): boolean {
  try {
    return /\ttracefs$/m.test(readFileSync("/proc/filesystems", "utf8"));
  } catch {
    return true; // cannot tell: let the mount attempt say what is wrong
  }
}
