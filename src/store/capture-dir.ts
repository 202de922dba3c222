// The capture directory: created private (0700, or 0750 with a named group) whatever the
// umask; refused when another user could plant or swap files in it (it or a parent
// writable by someone else, shared sticky directories like /tmp, `/`), or when it holds
// files that are not tsnap's; modes of tsnap's own files fixed at every start.
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  type Stats,
  statSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { InputError, PermissionError } from "../errors.js";
import { type Access, dirMode, fixAccess } from "./safe-fs.js";

/** Names tsnap writes in a capture directory (its files, temp files and temp dirs). */
export function isTsnapName(name: string): boolean {
  return /^(tsnap_|xcapture_|\.tsnap)/.test(name) || name === "partitions" || name === ".tmp";
}

function euid(): number {
  return process.geteuid?.() ?? 0;
}

function modeText(st: Stats): string {
  return (st.mode & 0o7777).toString(8).padStart(4, "0");
}

/** Why a directory lets another user change its entries, or null. `self` = the capture dir. */
export function unsafeDir(st: Stats, self: boolean): string | null {
  const me = euid();
  if (st.uid !== me && st.uid !== 0)
    return `owned by uid ${st.uid}, not by the capturing user (uid ${me}) or root`;
  if (self && st.uid !== me) return `owned by uid ${st.uid}, not by the capturing user (uid ${me})`;
  if ((st.mode & 0o022) === 0) return null;
  const sticky = (st.mode & 0o1000) !== 0;
  if (sticky && !self) return null; // /tmp-style parent: others cannot rename or delete our entries
  if (sticky) return `a shared directory (mode ${modeText(st)}): use a directory of its own inside it`;
  return `writable by other users (mode ${modeText(st)}): chmod go-w it or use another directory`;
}

/** Why an entry of the capture directory is not tsnap's, or null. */
export function foreignEntry(name: string, st: Stats): string | null {
  if (name === "lost+found" && st.isDirectory() && st.uid === 0) return null; // a filesystem of its own
  if (!isTsnapName(name)) return "which is not a tsnap file";
  if (st.isSymbolicLink()) return "a symbolic link";
  if (!st.isFile() && !st.isDirectory()) return "not a regular file";
  if (st.uid !== euid()) return `owned by uid ${st.uid}, not by the capturing user`;
  if (st.isFile() && st.nlink > 1) return `a file with ${st.nlink} hard links`;
  return null;
}

/** mkdir -p one level at a time (Node's recursive mkdir spins where the kernel says ENOENT, e.g. /proc). */
function ensureDir(dir: string, mode: number): void {
  try {
    mkdirSync(dir, { mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      if (!statSync(dir).isDirectory()) throw new InputError(`-o ${dir}: not a directory`);
      return;
    }
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir || existsSync(parent)) throw err;
    ensureDir(parent, 0o755);
    mkdirSync(dir, { mode });
  }
}

/**
 * Create or check the capture directory and make it private; returns its real path.
 * Throws InputError (unsafe or foreign directory) or PermissionError (cannot write).
 */
export function prepareCaptureDir(dir: string, a: Access): string {
  let real: string;
  // Parents first, so nothing is created inside a directory another user controls.
  let existing = resolve(dir);
  while (!existsSync(existing) && existing !== "/") existing = dirname(existing);
  checkParents(dir, existing === resolve(dir) ? dirname(existing) : existing);
  try {
    ensureDir(dir, dirMode(a));
    real = realpathSync(dir);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS")
      throw new PermissionError(`-o ${dir}: cannot write there`, { cause: err });
    throw new InputError(`-o ${dir}: cannot use this directory`, { cause: err });
  }
  const st = lstatSync(real);
  if (!st.isDirectory()) throw new InputError(`-o ${dir}: not a directory`);
  if (real === "/")
    throw new InputError(`-o ${dir}: refusing the root directory: use a directory of its own`);
  checkParents(dir, dirname(real));
  const why = unsafeDir(st, true);
  if (why) throw new InputError(`-o ${dir}: ${why}`);
  const names = readdirSync(real).sort();
  for (const name of names) {
    const e = lstatSync(join(real, name));
    const foreign = foreignEntry(name, e);
    if (foreign)
      throw new InputError(
        `-o ${dir}: holds '${name}', ${foreign}: use an empty directory or one written by tsnap capture`,
      );
  }
  try {
    if (a.gid !== undefined) chownSync(real, euid(), a.gid);
    chmodSync(real, dirMode(a));
    for (const name of names) {
      if (!lstatSync(join(real, name)).isFile()) continue;
      const bad = fixAccess(join(real, name), a);
      if (bad) throw new InputError(`-o ${dir}: holds '${name}', ${bad}`);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new PermissionError(`-o ${dir}: cannot set its owner group or modes`, { cause: err });
  }
  return real;
}

/** Refuse when `from` (a directory) or any directory above it lets another user swap entries. */
function checkParents(dir: string, from: string): void {
  let p: string;
  try {
    p = realpathSync(from);
  } catch {
    return; // mkdir will say what is wrong
  }
  for (; ; p = dirname(p)) {
    const why = unsafeDir(lstatSync(p), false);
    if (why) throw new InputError(`-o ${dir}: parent ${p} is ${why}`);
    if (p === "/") break;
  }
}

/** The gid of a group named in /etc/group text, or null. Pure. */
export function groupId(groupText: string, name: string): number | null {
  for (const line of groupText.split("\n")) {
    const f = line.split(":");
    if (f.length >= 3 && f[0] === name && /^\d+$/.test(f[2])) return Number(f[2]);
  }
  return /^\d+$/.test(name) ? Number(name) : null;
}
