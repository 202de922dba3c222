// errno numbers by name, as glibc's strerrorname_np(3) says them ("ENOENT"), from Node's
// own table of this platform's values (os.constants.errno). Pure.
import { constants } from "node:os";

/** Where two names share a number, glibc's choice. */
const PREFERRED = new Set(["EAGAIN", "EOPNOTSUPP"]);

const NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) {
  if (!NAMES.has(n) || PREFERRED.has(name)) NAMES.set(n, name);
}

/** The name of errno `n` (positive), or undefined when this platform has none for it. */
export function errnoName(n: number): string | undefined {
  return NAMES.get(n);
}
