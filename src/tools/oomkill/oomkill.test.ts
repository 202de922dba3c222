// tsnap oomkill against a real OOM kill: test/workloads/oom-alloc.c, put in a memory
// cgroup limited to 32 MiB, allocates until the kernel's OOM killer kills it. The truth is
// the kernel's own: the cgroup's oom_kill count (cgroup v2 memory.events, v1
// memory.oom_control) and the workload's exit by SIGKILL. libbpf-tools' oomkill needs a
// kprobe, so it cannot be the reference here.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, ours, stopAll } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/oomkill.bpf.o`);
const LIMIT = 32 << 20;

interface MemoryCgroup {
  path: string;
  /** Sets the limit (and no swap). */
  limit(bytes: number): void;
  /** The kernel's count of OOM kills in it. */
  oomKills(): number;
}

/** A new memory cgroup: v2 where its memory controller is on, else v1's; undefined without either. */
function memoryCgroup(name: string): MemoryCgroup | undefined {
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" "));
  const v2 = mounts.find((f) => f[2] === "cgroup2")?.[1];
  const count = (file: string) => Number(/^oom_kill (\d+)$/m.exec(readFileSync(file, "utf8"))?.[1] ?? NaN);
  if (v2 && readFileSync(`${v2}/cgroup.subtree_control`, "utf8").includes("memory")) {
    const path = `${v2}/${name}`;
    mkdirSync(path);
    return {
      path,
      limit(bytes) {
        writeFileSync(`${path}/memory.max`, String(bytes));
        if (existsSync(`${path}/memory.swap.max`)) writeFileSync(`${path}/memory.swap.max`, "0");
      },
      oomKills: () => count(`${path}/memory.events`),
    };
  }
  const v1 = mounts.find((f) => f[2] === "cgroup" && f[3].split(",").includes("memory"))?.[1];
  if (!v1) return undefined;
  const path = `${v1}/${name}`;
  mkdirSync(path);
  return {
    path,
    limit(bytes) {
      writeFileSync(`${path}/memory.limit_in_bytes`, String(bytes));
      if (existsSync(`${path}/memory.memsw.limit_in_bytes`))
        writeFileSync(`${path}/memory.memsw.limit_in_bytes`, String(bytes));
    },
    oomKills: () => count(`${path}/memory.oom_control`),
  };
}

test("a real OOM kill in a 32 MiB memory cgroup: one line, the workload as trigger and victim", {
  skip: !root ? "needs root" : !built ? "build/bpf/oomkill.bpf.o not built (scripts/setup.sh)" : false,
  timeout: 60_000,
}, async (t) => {
  const cg = memoryCgroup(`tsnap-oomkill-${process.pid}`);
  if (!cg) {
    t.skip("no memory cgroup (v1 or v2) to run the workload in");
    return;
  }
  const handles = liveCount();
  const w = await startWorkload(compileWorkload("oom-alloc"), []);
  try {
    const pid = w.ready[1];
    writeFileSync(`${cg.path}/cgroup.procs`, pid);
    cg.limit(LIMIT);
    const before = cg.oomKills();
    const tr = {
      text: ours(["oomkill"], "Ctrl-C to stop.\n"),
      json: ours(["oomkill", "--json"]),
    };
    await Promise.all(Object.values(tr).map((x) => x.started));
    const exited = new Promise<NodeJS.Signals | null>((res) => w.child.once("exit", (_c, s) => res(s)));
    process.kill(Number(pid), "SIGUSR1");
    assert.equal(await exited, "SIGKILL", "the OOM killer ended the workload");
    assert.equal(cg.oomKills() - before, 1, "the kernel counted one OOM kill in the cgroup");
    await new Promise((r) => setTimeout(r, 300)); // the record reaches every ring
    const res = await stopAll(tr);

    const kills = res.json.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((k) => k.victim_pid === Number(pid));
    assert.equal(kills.length, 1);
    const k = kills[0];
    assert.equal(k.trigger_pid, Number(pid));
    assert.ok(k.victim_comm.startsWith("oom-alloc") && k.trigger_comm === k.victim_comm);
    // Charged to the cgroup when it was killed: about the limit (the anon memory it touched).
    assert.ok(
      k.anon_rss_kb > (LIMIT >> 10) / 2 && k.anon_rss_kb <= LIMIT >> 10,
      `anon_rss_kb ${k.anon_rss_kb}`,
    );
    assert.equal(k.rss_pages, Math.round((k.anon_rss_kb + k.file_rss_kb + k.shmem_rss_kb) / 4));
    const lines = res.text.out.split("\n").filter((l) => l.includes(`OOM kill of PID ${pid} `));
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d Triggered by PID ${pid} \\("oom-alloc\\S*"\\), OOM kill of PID ${pid} \\("oom-alloc\\S*"\\), ${k.rss_pages} pages, loadavg: [\\d.]+ [\\d.]+ [\\d.]+ \\d+/\\d+ \\d+$`,
      ),
    );
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
    rmdirSync(cg.path);
  }
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("oomkill", [
    [["-d", "x"], /^tsnap: -d must be a decimal number, got .x.\n$/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
  ]);
});
