// What any BPF program can see of the tasks on this kernel, independently of tsnap's
// sampler: test/bpf/task-list.bpf.c (a task iterator with no filter at all) compiled here
// with clang against build/bpf/vmlinux.h, loaded and read once. A test compares a source's
// threads with /proc and uses this to tell a tsnap bug from a thread the kernel itself
// keeps from BPF (e.g. a VM whose PID 1 is hidden from task iterators and pid lookups).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IterReader } from "../bpf/iter.js";
import { BpfObject } from "../bpf/object.js";
import { REPO_ROOT } from "./workloads.js";

export interface BpfTaskView {
  /** Every tid a plain iter/task program visited. */
  tids: Set<number>;
  /** bpf_task_from_pid(1) found PID 1. */
  pid1Found: boolean;
}

/** Why the witness (or any test BPF object) cannot run here, or null. */
export function bpfWitnessUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "needs root to load BPF";
  if (!existsSync(join(REPO_ROOT, "build", "bpf", "vmlinux.h"))) return "build/bpf/vmlinux.h not built";
  if (clang() === null) return "no clang (scripts/setup.sh installs clang-19)";
  return null;
}

export function bpfTaskView(): BpfTaskView {
  const obj = BpfObject.open(compileWitness());
  try {
    obj.load();
    const link = obj.attachTaskIter("list_tasks");
    try {
      const { buf, len } = new IterReader(link).read();
      const tids = new Set<number>();
      for (let off = 4; off + 4 <= len; off += 4) tids.add(buf.readUInt32LE(off));
      return { tids, pid1Found: len >= 4 && buf.readUInt32LE(0) === 1 };
    } finally {
      link.close();
    }
  } finally {
    obj.close();
  }
}

function clang(): string | null {
  for (const c of ["clang-19", "clang-18", "clang-17", "clang"]) {
    try {
      execFileSync(c, ["--version"], { stdio: "ignore" });
      return c;
    } catch {
      // next
    }
  }
  return null;
}

function compileWitness(): string {
  return compileTestBpf("task-list");
}

/** test/bpf/NAME.bpf.c compiled against build/bpf/vmlinux.h (cached by content hash). */
export function compileTestBpf(name: string): string {
  const src = join(REPO_ROOT, "test", "bpf", `${name}.bpf.c`);
  const inc = join(REPO_ROOT, "build", "bpf");
  const hash = createHash("sha256")
    .update(readFileSync(src))
    .update(readFileSync(join(inc, "vmlinux.h")))
    .digest("hex")
    .slice(0, 12);
  const dir = join(tmpdir(), "tsnap-workloads");
  const obj = join(dir, `${name}-${hash}.bpf.o`);
  if (!existsSync(obj)) {
    mkdirSync(dir, { recursive: true });
    execFileSync(clang()!, ["-g", "-O2", "-target", "bpf", `-I${inc}`, "-c", src, "-o", obj], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  return obj;
}
