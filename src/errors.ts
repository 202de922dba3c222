// Typed errors that callers branch on, and the one place that turns any error into
// the single line a user sees. Expected failures never print a stack trace.

/** Base class: an expected failure with a message fit for the user. */
export class TsnapError extends Error {
  override name = "TsnapError";
}

/** Bad command line: unknown flag, bad value, unknown column. Exit code 2. */
export class UsageError extends TsnapError {
  override name = "UsageError";
}

/** Bad or missing input: a file, a PID, a directory. Exit code 1. */
export class InputError extends TsnapError {
  override name = "InputError";
}

/** Not allowed: needs root or a capability. Exit code 1. */
export class PermissionError extends TsnapError {
  override name = "PermissionError";
}

/** A kernel or machine feature this needs is missing; `feature` names it. Exit code 1. */
export class NotSupported extends TsnapError {
  override name = "NotSupported";
  constructor(
    readonly feature: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${feature} is not supported here: ${reason}`, options);
  }
}

/** Exit code for an error: 2 for usage errors, 1 for everything else. */
export function exitCodeFor(err: unknown): number {
  return err instanceof UsageError ? 2 : 1;
}

/** Node system error codes we turn into plain words. */
const ERRNO_WORDS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ESRCH: "no such process",
  EMFILE: "too many open files",
  ENOSPC: "no space left on device",
  EINVAL: "invalid argument",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
};

/**
 * The one formatter for user-facing error lines: `tsnap: <context>: <cause>`.
 * Causes chained with `new Error(msg, { cause })` are joined with ": ".
 */
export function formatError(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 6; depth++) {
    if (cur instanceof Error) {
      const code = (cur as NodeJS.ErrnoException).code;
      const words = code ? ERRNO_WORDS[code] : undefined;
      const path = (cur as NodeJS.ErrnoException).path;
      if (words && !(cur instanceof TsnapError)) {
        parts.push(path ? `${path}: ${words}` : words);
      } else if (cur.message) {
        parts.push(cur.message);
      }
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return `tsnap: ${parts.join(": ") || "unknown error"}`;
}

/** True for errors we expected (no stack trace even with --verbose off). */
export function isExpected(err: unknown): boolean {
  if (err instanceof TsnapError) return true;
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string";
}
