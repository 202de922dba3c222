// Stack counts as bcc's profile and offcputime print them: the multi-line text form (kernel
// frames leaf first, "--", user frames, "- comm (pid)", the value; least first) and the
// folded form flamegraph.pl reads ("comm;user root..leaf;-;kernel root..leaf value";
// largest first). Pure: rows come already symbolized.

/** One side of a stack: its frames leaf first, or why there are none. */
export type StackSide =
  | { kind: "frames"; frames: string[] }
  /** Not collected (-U/-K), or none exists (a kernel thread's user stack). */
  | { kind: "none" }
  /** The stack map was full or the walk failed: bcc's [Missed ... Stack]. */
  | { kind: "missed" };

export interface StackRow {
  comm: string;
  /** Shown after the comm: the process (profile) or thread (offcputime) id. */
  id: number;
  user: StackSide;
  kernel: StackSide;
  /** Samples (profile) or microseconds (offcputime). */
  value: number;
}

export interface StackReportOptions {
  /** bcc -d: "--" (text) or "-" (folded) between kernel and user stacks. */
  delimited: boolean;
  /** bcc -a: kernel frames get a `_[k]` suffix. */
  annotate: boolean;
  /** -U: only user stacks; -K: only kernel stacks. */
  userOnly: boolean;
  kernelOnly: boolean;
}

const kname = (f: string, o: StackReportOptions) => (o.annotate ? `${f}_[k]` : f);

function delimiter(r: StackRow, o: StackReportOptions): boolean {
  return (
    o.delimited && !o.userOnly && !o.kernelOnly && r.user.kind === "frames" && r.kernel.kind === "frames"
  );
}

/** bcc's text form, rows sorted by value ascending (the largest last, nearest the prompt). */
export function renderText(rows: readonly StackRow[], o: StackReportOptions): string {
  const out: string[] = [];
  for (const r of [...rows].sort((a, b) => a.value - b.value)) {
    if (!o.userOnly) {
      if (r.kernel.kind === "missed") out.push("    [Missed Kernel Stack]");
      else if (r.kernel.kind === "frames") for (const f of r.kernel.frames) out.push(`    ${kname(f, o)}`);
    }
    if (!o.kernelOnly) {
      if (delimiter(r, o)) out.push("    --");
      if (r.user.kind === "missed") out.push("    [Missed User Stack]");
      else if (r.user.kind === "frames") for (const f of r.user.frames) out.push(`    ${f}`);
    }
    out.push(`    ${"-".padEnd(16)} ${r.comm} (${r.id})`, `        ${r.value}`, "");
  }
  return out.length > 0 ? `${out.join("\n")}\n` : "";
}

/** The folded line of one row (root first; ";" inside a frame name becomes ":"). */
export function foldedLine(r: StackRow, o: StackReportOptions): string {
  const parts = [r.comm];
  if (!o.kernelOnly) {
    if (r.user.kind === "missed") parts.push("[Missed User Stack]");
    else if (r.user.kind === "frames")
      for (let i = r.user.frames.length - 1; i >= 0; i--) parts.push(r.user.frames[i]);
  }
  if (!o.userOnly) {
    if (delimiter(r, o)) parts.push("-");
    if (r.kernel.kind === "missed") parts.push("[Missed Kernel Stack]");
    else if (r.kernel.kind === "frames")
      for (let i = r.kernel.frames.length - 1; i >= 0; i--) parts.push(kname(r.kernel.frames[i], o));
  }
  return `${parts.map((p) => p.replaceAll(";", ":").replaceAll("\n", " ")).join(";")} ${r.value}`;
}

/**
 * Folded lines, largest first. Rows whose folded stacks are equal (two stack ids that
 * symbolize alike: offsets differ within one function) are summed into one line.
 */
export function renderFolded(rows: readonly StackRow[], o: StackReportOptions): string {
  const sums = new Map<string, number>();
  for (const r of rows) {
    const line = foldedLine({ ...r, value: 0 }, o);
    const key = line.slice(0, line.length - 2);
    sums.set(key, (sums.get(key) ?? 0) + r.value);
  }
  return [...sums]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k} ${v}\n`)
    .join("");
}
