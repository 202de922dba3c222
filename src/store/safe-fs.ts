// File creation and opening that never follows a symbolic link and never trusts a file
// it did not make: capture runs as root in a directory whose files other tools read, so
// every file is opened with O_NOFOLLOW, created with O_EXCL, given its mode explicitly
// (whatever the umask) and checked to be a regular file of the capturing user.
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  openSync,
  renameSync,
  type Stats,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_RDWR, O_WRONLY, O_APPEND, O_RDONLY, O_NONBLOCK } = constants;

/** Who may read capture files: the capturing user only, or also one group. */
export interface Access {
  /** Group that may read (directory 0750, files 0640); undefined = private (0700/0600). */
  gid?: number;
}

export function fileMode(a: Access): number {
  return a.gid === undefined ? 0o600 : 0o640;
}

export function dirMode(a: Access): number {
  return a.gid === undefined ? 0o700 : 0o2750; // setgid: files others make (Parquet) get the group too
}

/** The umask that gives files made by other code (DuckDB's Parquet writer) the same modes. */
export function umaskFor(a: Access): number {
  return a.gid === undefined ? 0o077 : 0o027;
}

function euid(): number {
  return process.geteuid?.() ?? 0;
}

/** Why an open file is not one of ours, or null when it is a regular file we own. */
export function notOurs(st: Stats): string | null {
  if (!st.isFile()) return "not a regular file";
  if (st.uid !== euid()) return `owned by uid ${st.uid}, not by the capturing user (uid ${euid()})`;
  if (st.nlink > 1) return `has ${st.nlink} hard links`;
  return null;
}

/** Give an open file its mode (and group). */
export function setAccess(fd: number, a: Access): void {
  if (a.gid !== undefined) fchownSync(fd, euid(), a.gid);
  fchmodSync(fd, fileMode(a));
}

function refuse(path: string, why: string): Error {
  return Object.assign(new Error(`${path}: ${why}`), { code: "ENOTTSNAP", path });
}

/**
 * Open a file for appending: an existing regular file of ours, or a new one (O_EXCL).
 * A symbolic link fails with ELOOP, a planted file of someone else with ENOTTSNAP.
 */
export function openAppend(path: string, a: Access): number {
  let fd: number;
  try {
    fd = openSync(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    fd = openSync(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW, fileMode(a));
  }
  try {
    const why = notOurs(fstatSync(fd));
    if (why) throw refuse(path, why);
    setAccess(fd, a);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/**
 * Replace `dir/name` with `data` atomically: a new file (O_EXCL) renamed over the old
 * name (rename replaces a symbolic link, never writes through it).
 */
export function writeFileSafely(dir: string, name: string, data: string | Buffer, a: Access): void {
  const tmp = join(dir, `.tsnap-${name}.${process.pid}.tmp`);
  try {
    unlinkSync(tmp); // left by a crash of an earlier run with our pid
  } catch {
    // not there
  }
  const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, fileMode(a));
  try {
    setAccess(fd, a);
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, join(dir, name));
}

/** Fix the mode (and group) of an existing file of ours without following a link. */
export function fixAccess(path: string, a: Access): string | null {
  const fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    const why = notOurs(fstatSync(fd));
    if (why) return why;
    setAccess(fd, a);
    return null;
  } finally {
    closeSync(fd);
  }
}
