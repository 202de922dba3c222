// Benchmark: CPU per thread per sampling round of the proc source, at ~100 and ~1,000
// threads, beside a naive Node loop that opens, reads and closes the same 3 files, and
// the floor: a C loop that only preads them through fds kept open (the kernel's own cost).
//   node dist/bench/proc-sampler.js [rounds]
import { execFileSync } from "node:child_process";
import { closeSync, openSync, readdirSync, readSync } from "node:fs";
import type { Need } from "../src/model/sampler.js";
import { renderTable } from "../src/report/table.js";
import { ProcSampler } from "../src/sources/proc/proc-sampler.js";
import { compileWorkload, startWorkload } from "../src/testkit/workloads.js";

const ROUNDS = Number(process.argv[2] ?? 200);
const BASIC = new Set<Need>(["syscall", "wchan"]); // with stat: the 3 basic files

function cpuUsPer(fn: () => number): number {
  fn(); // warm up: opens fds, JIT
  fn();
  const c0 = process.cpuUsage();
  let units = 0;
  for (let i = 0; i < ROUNDS; i++) units += fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / units;
}

function naiveRound(pid: number, buf: Buffer): number {
  let threads = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    for (const f of ["stat", "syscall", "wchan"]) {
      try {
        const fd = openSync(`/proc/${pid}/task/${tid}/${f}`, "r");
        readSync(fd, buf, 0, buf.length, 0);
        closeSync(fd);
      } catch {
        // exited
      }
    }
    threads++;
  }
  return threads;
}

const rows: (string | number)[][] = [];
const buf = Buffer.alloc(65536);
for (const n of [100, 1000]) {
  const w = await startWorkload(compileWorkload("ground-truth"), [
    "spin",
    "0",
    "sleep",
    String(n - 1),
    "pipe",
    "0",
    "vfork",
    "0",
  ]);
  const pid = Number(w.ready[1]);
  try {
    const measure = (all: boolean, needs: Set<Need>) => {
      const s = new ProcSampler({ hz: 20, all, pids: new Set([pid]), needs });
      try {
        return cpuUsPer(() => s.round().threadsSeen);
      } finally {
        s.close();
      }
    };
    rows.push([n, "tsnap proc -a (stat+syscall+wchan)", measure(true, BASIC)]);
    rows.push([n, "tsnap proc, active only (stat; all asleep)", measure(false, BASIC)]);
    rows.push([n, "naive open/read/close of 3 files", cpuUsPer(() => naiveRound(pid, buf))]);
    const floor = execFileSync(compileWorkload("proc-read-floor", "bench/c"), [String(pid), String(ROUNDS)]);
    rows.push([n, "C floor: pread of the 3 files, fds kept open", Number(floor.toString())]);
  } finally {
    await w.stop();
  }
}
const system = new ProcSampler({ hz: 20, all: true, needs: BASIC });
let systemThreads = 0;
rows.push([
  "system",
  "tsnap proc -a, whole system (readdir /proc too)",
  cpuUsPer(() => {
    const r = system.round();
    systemThreads = r.threadsSeen;
    return r.threadsSeen;
  }),
]);
system.close();
rows[rows.length - 1][0] = `${systemThreads} (system)`;

console.log(
  `proc source, CPU µs per thread per round, ${ROUNDS} rounds each (user+system time of this process)\n`,
);
console.log(renderTable(["threads", "method", "µs/thread-round"], rows, { fixedDecimals: [2] }));
console.log("reference on this machine kind: psn (Python) ~150 µs, naive Node ~31 µs; target ≤ 12 µs");
