// The feature probes' successes, kept for the rest of the boot so that a command need not load
// probes.bpf.o again (a load parses the kernel's whole BTF: ~0.1 s of CPU before the first
// output). Root only: /run/tsnap/probes.json, 0600 in a 0700 directory, both owned by root.
// Keyed by the boot (boot_id), the kernel release, tsnap's version and the probe object's
// own bytes: any of them changed, the file is ignored (and rewritten). Only successes are
// kept: a failure may be passing (a busy perf event, a signal mid-load) and is probed again.
// Anything odd about the file (owner, mode, a link, size, JSON, unknown features) and it is
// ignored, never trusted; a feature wrongly said to work would only make a load fail, which
// the loaders already survive, but even that is not left to a file another user could write.
// TSNAP_PROBE_CACHE=off: no cache (probe every time); =DIR: the directory to use (tests).
import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  writeFileSync,
} from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { VERSION } from "../platform/version.js";

export const PROBE_CACHE_DIR = "/run/tsnap";
const FILE = "probes.json";
const MAX_BYTES = 64 * 1024;

/** What the cached answers hold for; all must equal the running system's. */
export interface ProbeCacheKey {
  boot_id: string;
  kernel: string;
  tsnap: string;
  /** sha256 of probes.bpf.o (a rebuilt object probes again). */
  object: string;
}

/** The directory in use, or null when the cache is off (not root, or TSNAP_PROBE_CACHE=off). */
export function probeCacheDir(): string | null {
  const env = process.env.TSNAP_PROBE_CACHE;
  if (env === "off" || process.geteuid?.() !== 0) return null;
  return env !== undefined && env !== "" ? env : PROBE_CACHE_DIR;
}

/** This boot's key for the probe object at `objectPath`; null when a part cannot be read. */
export function probeCacheKey(objectPath: string): ProbeCacheKey | null {
  try {
    return {
      boot_id: readFileSync("/proc/sys/kernel/random/boot_id", "latin1").trim(),
      kernel: release(),
      tsnap: VERSION,
      object: createHash("sha256").update(readFileSync(objectPath)).digest("hex"),
    };
  } catch {
    return null;
  }
}

/** Owned by root and writable by no one else (group or other), and not a symbolic link. */
function rootOnly(st: Stats, mask: number): boolean {
  return !st.isSymbolicLink() && st.uid === 0 && (st.mode & mask) === 0;
}

/** The directory, when it is a real root-only directory (made when `create`). */
function safeDir(dir: string, create: boolean): boolean {
  try {
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    return st.isDirectory() && rootOnly(st, 0o022);
  } catch {
    return false;
  }
}

/**
 * The features that worked on this boot, from the cache file; null when there is none or it
 * cannot be trusted (wrong owner, mode or key; a link; too big; not what this module writes).
 * `known` is every valid feature name.
 */
export function readProbeCache(
  dir: string,
  key: ProbeCacheKey,
  known: ReadonlySet<string>,
): Set<string> | null {
  if (!safeDir(dir, false)) return null;
  let fd: number;
  try {
    fd = openSync(join(dir, FILE), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || !rootOnly(st, 0o077) || st.size > MAX_BYTES) return null;
    const buf = Buffer.alloc(st.size);
    if (readSync(fd, buf, 0, st.size, 0) !== st.size) return null;
    return parseProbeCache(buf.toString("utf8"), key, known);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The working features in a cache file's text when its key is `key`; null otherwise. Pure. */
export function parseProbeCache(
  text: string,
  key: ProbeCacheKey,
  known: ReadonlySet<string>,
): Set<string> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof doc !== "object" || doc === null) return null;
  const { v, key: k, works } = doc as { v?: unknown; key?: unknown; works?: unknown };
  if (v !== 1 || typeof k !== "object" || k === null || !Array.isArray(works)) return null;
  for (const f of Object.keys(key) as (keyof ProbeCacheKey)[])
    if ((k as Record<string, unknown>)[f] !== key[f]) return null;
  if (Object.keys(k).length !== Object.keys(key).length) return null;
  if (!works.every((w) => typeof w === "string" && known.has(w))) return null;
  return new Set(works as string[]);
}

/** Writes the working features for `key` (atomically: a new 0600 file renamed over the old). Errors are ignored. */
export function writeProbeCache(dir: string, key: ProbeCacheKey, works: Iterable<string>): void {
  if (!safeDir(dir, true)) return;
  const tmp = join(dir, `${FILE}.${process.pid}.tmp`);
  try {
    // "wx": O_CREAT|O_EXCL, which never follows a link left in the tmp file's place.
    writeFileSync(tmp, `${JSON.stringify({ v: 1, key, works: [...works].sort() })}\n`, {
      flag: "wx",
      mode: 0o600,
    });
    renameSync(tmp, join(dir, FILE));
  } catch {
    rmSync(tmp, { force: true });
  }
}
