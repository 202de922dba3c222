// C++ and Rust symbol names as people read them. Itanium-mangled names (`_Z...`: C++, and
// Rust's legacy scheme) go through the C++ runtime's own demangler, __cxa_demangle of
// libstdc++ (what bcc's symbolizer calls through cxxabi.h), loaded on first use through
// koffi; Rust's legacy hash suffix (`::h` + 16 hex digits) is dropped, as rustfilt does.
// Names that are not mangled, that do not demangle, Rust v0 names (`_R...`), or all names
// when libstdc++ is missing come back unchanged. Results are cached (a profile repeats
// the same few hundred names).
import koffi from "koffi";

type Demangler = (name: string) => string | null;

let demangler: Demangler | null | undefined;
const cache = new Map<string, string>();
const MAX_CACHE = 100_000;
const RUST_HASH = /::h[0-9a-f]{16}$/;

function load(): Demangler | null {
  try {
    const cxx = koffi.load("libstdc++.so.6");
    const libc = koffi.load("libc.so.6");
    const cxaDemangle = cxx.func(
      "void *__cxa_demangle(const char *name, void *buf, void *len, _Out_ int *status)",
    );
    const free = libc.func("void free(void *p)");
    return (name) => {
      const status = [0];
      const p = cxaDemangle(name, null, null, status);
      if (!p) return null;
      try {
        return status[0] === 0 ? (koffi.decode(p, "char", -1) as string) : null;
      } finally {
        free(p);
      }
    };
  } catch {
    return null;
  }
}

/** The demangled form of `name`, or `name` itself. */
export function demangle(name: string): string {
  if (!name.startsWith("_Z")) return name;
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  if (demangler === undefined) demangler = load();
  let out = demangler?.(name) ?? name;
  if (out !== name) out = out.replace(RUST_HASH, "");
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(name, out);
  return out;
}

/** True when the C++ runtime's demangler could be loaded (doctor, tests). */
export function demanglerAvailable(): boolean {
  if (demangler === undefined) demangler = load();
  return demangler !== null;
}
