import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { runCli, TSNAP_BIN } from "../testkit/cli.js";

interface Report {
  system: { name: string; ok: boolean; detail: string }[];
  probes: { feature: string; ok: boolean; reason: string }[];
  probes_skipped: string | null;
  commands: { command: string; part?: string; ok: boolean; detail: string }[];
}

const root = process.getuid?.() === 0;
const built = existsSync(new URL("../../../build/bpf/probes.bpf.o", import.meta.url));

test("doctor --format json: system facts match the machine", async () => {
  const r = await runCli(["doctor", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as Report;
  const sys = new Map(rep.system.map((c) => [c.name, c]));
  assert.equal(sys.get("BTF")!.ok, existsSync("/sys/kernel/btf/vmlinux"));
  assert.equal(sys.get("privileges")!.ok, root);
  assert.equal(sys.get("tracefs")!.ok, existsSync("/sys/kernel/tracing/events"));
});

test("doctor probes: real answers (kprobe iff a kprobe PMU exists, the task iterator works)", {
  skip: !root ? "needs root" : !built ? "build/bpf not built (scripts/build-bpf.sh)" : false,
}, async () => {
  const r = await runCli(["doctor", "--format", "json"]);
  const rep = JSON.parse(r.stdout) as Report;
  const probes = new Map(rep.probes.map((p) => [p.feature, p]));
  assert.equal(probes.get("kprobe")!.ok, existsSync("/sys/bus/event_source/devices/kprobe"));
  if (!probes.get("kprobe")!.ok) assert.match(probes.get("kprobe")!.reason, /kprobe/);
  assert.equal(probes.get("task_iter")!.ok, true);
  assert.equal(probes.get("tracepoint")!.ok, existsSync("/sys/kernel/tracing/events/sched/sched_switch"));
  // Every failed probe says why, on one line.
  for (const p of rep.probes) if (!p.ok) assert.ok(p.reason.length > 0 && !p.reason.includes("\n"));
  // The verdict for the bpf source follows its probes.
  for (const command of ["top", "capture"]) {
    const bpf = rep.commands.find((c) => c.command === command && c.part === "--source bpf")!;
    assert.equal(bpf.ok, probes.get("task_iter")!.ok && probes.get("ringbuf")!.ok);
  }
});

test("doctor as an unprivileged user: reports, skips probes with the reason, exit 0", {
  skip: !root ? "needs root to switch to nobody" : false,
}, () => {
  // execFileSync throws on a non-zero exit, which fails the test.
  const out = execFileSync("runuser", ["-u", "nobody", "--", process.execPath, TSNAP_BIN, "doctor"], {
    encoding: "utf8",
  });
  assert.match(out, /NO\s+privileges/);
  assert.match(out, /skipped: .*need root/);
  assert.match(out, /\n {2}ok {3}top +--source proc reads \/proc/);
  assert.match(out, /\n {2}NO {5}--source bpf +not here: .*need root/);
});

test("top --source bpf as an unprivileged user: one line, exit 1, no stack trace", {
  skip: !root ? "needs root to switch to nobody" : false,
}, () => {
  const r = spawnSync(
    "runuser",
    ["-u", "nobody", "--", process.execPath, TSNAP_BIN, "top", "--source", "bpf", "-d", "1"],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "tsnap: bpf source is not supported here: needs root (CAP_BPF and CAP_PERFMON)\n");
});

test("bcc tools no such kernel can answer: one doctor line each with the machine's reason; the command says so in one line", {
  skip: !root ? "needs root" : !built ? "build/bpf not built (scripts/build-bpf.sh)" : false,
}, async () => {
  const r = await runCli(["doctor", "--format", "json"]);
  const rep = JSON.parse(r.stdout) as Report;
  const kprobe = rep.probes.find((p) => p.feature === "kprobe")!;
  const pmu = existsSync("/sys/bus/event_source/devices/cpu");
  for (const name of ["llcstat", "mdflush", "ksnoop"]) {
    const v = rep.commands.find((c) => c.command === name);
    assert.ok(v && !v.ok && !v.detail.includes("\n"), name);
    assert.match(v.detail, /^not in tsnap: /);
    if (name !== "llcstat" && !kprobe.ok) assert.ok(v.detail.includes(kprobe.reason), v.detail);
    if (name === "llcstat") assert.equal(v.detail.includes("no hardware PMU"), !pmu);
    const run = await runCli([name]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(`^tsnap: ${name} is not supported here: [^\\n]+\\(see tsnap doctor\\)\\n$`),
    );
  }
});
