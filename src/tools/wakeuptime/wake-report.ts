// Blocked time by waker as bcc prints it. Pure: rows come already symbolized.
//   wakeuptime text: "target: comm", the waker's stack leaf first (kernel, then user), "waker:
//     comm", the µs; folded: "waker;user root..leaf;kernel root..leaf;target µs".
//   offwaketime text: "waker: comm tid", the waker's stack root first, "-- --", the target's
//     leaf first, "target: comm tid", the µs; folded: "target;its stack root..leaf;--;the
//     waker's leaf..root;waker µs" (flamegraph.pl's off-wake form: the waker drawn on top,
//     upside down). Text sorted by value ascending (largest last), folded largest first.
// Rows that print alike (stack ids that symbolize alike, threads of one comm in
// wakeuptime's form) are summed into one.
import type { StackSide } from "../../report/stack-report.js";
import type { WakeRow, WakeThread } from "./wake-stacks.js";

export interface WakeReportOptions {
  /** -d: "-" between kernel and user frames. */
  delimited: boolean;
  userOnly: boolean;
  kernelOnly: boolean;
}

/** What no waker (a preempted thread) prints as. */
export const NO_WAKER = "[no waker]";

const clean = (f: string) => f.replaceAll(";", ":").replaceAll("\n", " ");

/** A thread's frames leaf first: kernel, ["-"], user (each side as -U/-K allow). */
function leafFirst(t: WakeThread | null, o: WakeReportOptions): string[] {
  if (!t) return [];
  const side = (s: StackSide, what: string) =>
    s.kind === "frames" ? s.frames : s.kind === "missed" ? [`[Missed ${what} Stack]`] : [];
  const kernel = o.userOnly ? [] : side(t.kernel, "Kernel");
  const user = o.kernelOnly ? [] : side(t.user, "User");
  const delim = o.delimited && kernel.length > 0 && user.length > 0 ? ["-"] : [];
  return [...kernel, ...delim, ...user];
}

/** Sums rows whose key (its rendering without the value) is equal. */
function summed(rows: readonly WakeRow[], key: (r: WakeRow) => string): [string, number][] {
  const sums = new Map<string, number>();
  for (const r of rows) {
    const k = key(r);
    sums.set(k, (sums.get(k) ?? 0) + r.value);
  }
  return [...sums];
}

const ascending = (a: [string, number], b: [string, number]) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1);
const descending = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1);
const label = (what: string) => `    ${what.padEnd(16)} `;
const wakerComm = (r: WakeRow) => r.waker?.comm ?? NO_WAKER;

/** bcc wakeuptime's text: per (target comm, waker stack, waker comm). */
export function renderWakeupText(rows: readonly WakeRow[], o: WakeReportOptions): string {
  const blocks = summed(rows, (r) =>
    [
      `${label("target:")}${r.target.comm}`,
      ...leafFirst(r.waker, o).map((f) => `    ${f}`),
      `${label("waker:")}${wakerComm(r)}`,
    ].join("\n"),
  );
  return blocks
    .sort(ascending)
    .map(([k, v]) => `${k}\n        ${v}\n\n`)
    .join("");
}

/** bcc wakeuptime's folded form: "waker;stack root..leaf;target µs". */
export function renderWakeupFolded(rows: readonly WakeRow[], o: WakeReportOptions): string {
  const lines = summed(rows, (r) =>
    [wakerComm(r), ...leafFirst(r.waker, o).reverse(), r.target.comm].map(clean).join(";"),
  );
  return lines
    .sort(descending)
    .map(([k, v]) => `${k} ${v}\n`)
    .join("");
}

/** bcc offwaketime's text: the waker root to leaf, "--", the target leaf to root. */
export function renderOffwakeText(rows: readonly WakeRow[], o: WakeReportOptions): string {
  const blocks = summed(rows, (r) =>
    [
      `${label("waker:")}${r.waker ? `${r.waker.comm} ${r.waker.tid}` : NO_WAKER}`,
      ...leafFirst(r.waker, o)
        .reverse()
        .map((f) => `    ${f}`),
      `${label("--")}--`,
      ...leafFirst(r.target, o).map((f) => `    ${f}`),
      `${label("target:")}${r.target.comm} ${r.target.tid}`,
    ].join("\n"),
  );
  return blocks
    .sort(ascending)
    .map(([k, v]) => `${k}\n        ${v}\n\n`)
    .join("");
}

/** bcc offwaketime's folded form: "target;root..leaf;--;waker leaf..root;waker µs". */
export function renderOffwakeFolded(rows: readonly WakeRow[], o: WakeReportOptions): string {
  const lines = summed(rows, (r) =>
    [r.target.comm, ...leafFirst(r.target, o).reverse(), "--", ...leafFirst(r.waker, o), wakerComm(r)]
      .map(clean)
      .join(";"),
  );
  return lines
    .sort(descending)
    .map(([k, v]) => `${k} ${v}\n`)
    .join("");
}
