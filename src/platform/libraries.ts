// Finding the file a uprobe names, like bcc (bcc_procutils_which_so, then which): a path is
// taken as is; a library name ("c", "libc", "pthread") is looked up in the libraries the
// process maps (-p), then in the dynamic linker's cache (`ldconfig -p`), then in the
// standard directories; a program name ("bash") in PATH. The text parsers are pure.
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";

/** One entry of `ldconfig -p`: "libc.so.6" → "/lib/x86_64-linux-gnu/libc.so.6", its ABI words. */
export interface LdCacheEntry {
  soname: string;
  abi: string;
  path: string;
}

/** The lines of `ldconfig -p` ("\tlibc.so.6 (libc6,x86-64) => /lib/.../libc.so.6"). Pure. */
export function parseLdconfig(text: string): LdCacheEntry[] {
  const out: LdCacheEntry[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s+(\S+) \(([^)]*)\) => (\/.*)$/.exec(line);
    if (m) out.push({ soname: m[1], abi: m[2], path: m[3] });
  }
  return out;
}

/** "c" and "libc" both mean the file names "libc.so*" and "libc-*.so*". */
export function libraryStem(name: string): string {
  return name.startsWith("lib") ? name : `lib${name}`;
}

/** Does a file name belong to library `stem` ("libc.so.6", "libc-2.31.so" for "libc")? Pure. */
export function isLibraryFile(file: string, stem: string): boolean {
  if (!file.startsWith(stem)) return false;
  const rest = file.slice(stem.length);
  return rest === ".so" || rest.startsWith(".so.") || /^-[0-9.]+\.so$/.test(rest);
}

/** Of the cache's entries for `stem`, the one for this machine's ABI (64-bit first). Pure. */
export function pickFromCache(
  entries: readonly LdCacheEntry[],
  stem: string,
  arch = process.arch,
): string | null {
  const hits = entries.filter((e) => isLibraryFile(e.soname, stem));
  const abiWord = arch === "arm64" ? "AArch64" : "x86-64";
  const best = hits.find((e) => e.abi.includes(abiWord)) ?? hits.find((e) => !/\b(x32|i386)\b/.test(e.abi));
  return best?.path ?? null;
}

/** Mapped files of /proc/PID/maps text that belong to library `stem`. Pure. */
export function libraryInMaps(maps: string, stem: string): string | null {
  for (const line of maps.split("\n")) {
    const m = /\s(\/\S+)$/.exec(line);
    if (m && isLibraryFile(basename(m[1]), stem)) return m[1];
  }
  return null;
}

const STANDARD_DIRS = [
  "/lib/x86_64-linux-gnu",
  "/usr/lib/x86_64-linux-gnu",
  "/lib64",
  "/usr/lib64",
  "/lib",
  "/usr/lib",
];

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const CACHE_MAGIC = "glibc-ld.so.cache1.1";
/** ldconfig's words for an entry's flags (glibc elf/cache.c print_entry): its type, then its ABI. */
const CACHE_TYPES = ["libc4", "ELF", "libc5", "libc6"];
const CACHE_ABIS: Record<number, string> = {
  1: ",64bit",
  2: ",IA-64",
  3: ",x86-64",
  4: ",64bit",
  5: ",64bit",
  6: ",N32",
  7: ",64bit",
  8: ",x32",
  9: ",hard-float",
  10: ",AArch64",
  11: ",soft-float",
};

/**
 * The entries of the dynamic linker's cache file (/etc/ld.so.cache, glibc's format
 * "glibc-ld.so.cache1.1": a 48-byte header, then 24-byte entries whose name and path
 * are offsets of NUL-terminated strings from the file's start), in the file's order and
 * with the ABI words `ldconfig -p` prints (hwcap values left out); null for another
 * format (the old libc5 one, or a truncated file). Pure.
 */
export function parseLdSoCache(buf: Buffer): LdCacheEntry[] | null {
  if (buf.length < 48 || buf.toString("latin1", 0, CACHE_MAGIC.length) !== CACHE_MAGIC) return null;
  const nlibs = buf.readUInt32LE(20);
  if (48 + nlibs * 24 > buf.length) return null;
  const str = (off: number): string | null => {
    const end = buf.indexOf(0, off);
    return off >= buf.length || end < 0 ? null : buf.toString("utf8", off, end);
  };
  const out: LdCacheEntry[] = [];
  for (let i = 0; i < nlibs; i++) {
    const at = 48 + i * 24;
    const flags = buf.readInt32LE(at);
    const soname = str(buf.readUInt32LE(at + 4));
    const path = str(buf.readUInt32LE(at + 8));
    if (soname === null || path === null) return null;
    const type = CACHE_TYPES[flags & 0xff] ?? "unknown";
    const req = (flags & 0xff00) >> 8;
    const abi = req === 0 ? "" : (CACHE_ABIS[req] ?? `,${flags & 0xff00}`);
    out.push({ soname, abi: `${type}${abi}`, path });
  }
  return out;
}

/** The linker's cache: read from /etc/ld.so.cache, or (another format) from `ldconfig -p`, ~80 ms more. */
function ldCache(): LdCacheEntry[] {
  try {
    const parsed = parseLdSoCache(readFileSync("/etc/ld.so.cache"));
    if (parsed) return parsed;
  } catch {
    // no cache file: ask ldconfig
  }
  for (const ldconfig of ["/sbin/ldconfig", "/usr/sbin/ldconfig"]) {
    if (!existsSync(ldconfig)) continue;
    try {
      return parseLdconfig(
        execFileSync(ldconfig, ["-p"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
      );
    } catch {
      // no cache: the standard directories below
    }
  }
  return [];
}

/** A program in PATH, as `which` finds it, or null. */
export function which(
  name: string,
  path = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
): string | null {
  for (const dir of path.split(":")) {
    if (dir === "") continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      if (isFile(p)) return p;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * The file `name` means: a path (containing '/') as is; a library in `pid`'s maps, the
 * linker's cache or the standard directories; else a program in PATH. null when none.
 */
export function findBinary(name: string, pid: number | null = null): string | null {
  if (name.includes("/")) return isFile(name) ? name : null;
  const stem = libraryStem(name);
  if (pid !== null) {
    try {
      const hit = libraryInMaps(readFileSync(`/proc/${pid}/maps`, "utf8"), stem);
      if (hit) return `/proc/${pid}/root${hit}`;
    } catch {
      // the process is gone or hidden: search as without -p
    }
  }
  const cached = pickFromCache(ldCache(), stem);
  if (cached && isFile(cached)) return cached;
  for (const dir of STANDARD_DIRS)
    for (const f of [`${stem}.so`, `${stem}.so.6`]) if (isFile(join(dir, f))) return join(dir, f);
  return which(name);
}
