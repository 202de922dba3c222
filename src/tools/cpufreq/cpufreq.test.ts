// tsnap cpufreq against a spinner whose CPU time the kernel accounts: test/workloads/spin.c
// spins one thread; its samples under the spinner's name are its on-CPU seconds (summed
// from /proc/PID/task/*/schedstat over the run) times the sampling rate. This VM has no
// CPU frequency scaling (no /sys/devices/system/cpu/cpu0/cpufreq): the tool must say so in
// one line and count every sample at /proc/cpuinfo's "cpu MHz", read here on our own. On a
// machine with cpufreq the frequency checks are skipped (the test says so).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { formatError } from "../../errors.js";
import { assertNeedsRoot, libbpfToolSkip, ours, parseNdjson, stopAll } from "../../testkit/bcc-tools.js";
import { runTsnap, TSNAP_BIN } from "../../testkit/cli.js";
import { compileWorkload, startWorkload } from "../../testkit/workloads.js";
import { CPUFREQ_DIR, cpuinfoMhz, noScalingNote, startFreqs } from "./cpufreq-records.js";
import { renderJson, renderText } from "./cpufreq-report.js";

const root = process.getuid?.() === 0;
const scaling = existsSync(CPUFREQ_DIR);
const HZ = 199;

/** The on-CPU ns of every thread of `pid` (schedstat's first field). */
function onCpuNs(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).reduce(
    (s, t) => s + Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]),
    0,
  );
}

interface JsonHist {
  comm: string;
  samples: number;
  slots: { mhz: number; count: number }[];
}

test("a spinner's samples: its CPU seconds times the rate, each at the CPU's frequency", {
  skip: root ? false : "needs root",
  timeout: 60_000,
}, async (t0) => {
  const handles = liveCount();
  const bin = compileWorkload("spin");
  const w = await startWorkload(bin, ["1", "30"]);
  try {
    const pid = w.child.pid!;
    const t = ours(["cpufreq", "--json", "-f", String(HZ)], "Ctrl-C to end.");
    await t.started;
    const before = onCpuNs(pid);
    await new Promise((r) => setTimeout(r, 2000));
    const cpuS = (onCpuNs(pid) - before) / 1e9;
    const res = await stopAll({ t });
    const rows = parseNdjson<JsonHist>(res.t.out);
    const comm = basename(bin).slice(0, 15);
    const spinner = rows.find((r) => r.comm === comm);
    assert.ok(spinner, `no histogram for ${comm}: ${rows.map((r) => r.comm).join(",")}`);
    const expected = cpuS * HZ;
    assert.ok(
      Math.abs(spinner.samples - expected) <= expected * 0.15 + 5,
      `${spinner.samples} samples, ${expected.toFixed(0)} expected from ${cpuS.toFixed(2)} s on CPU`,
    );
    const sys = rows.find((r) => r.comm === "syswide")!;
    assert.ok(sys.samples >= rows.filter((r) => r !== sys).reduce((n, r) => n + r.samples, 0));
    if (scaling) {
      assert.doesNotMatch(res.t.err, /no CPU frequency scaling/);
      t0.diagnostic("this machine has cpufreq: the frequencies are not checked against cpuinfo");
      return;
    }
    // No scaling here: one line says so, and every sample is at cpuinfo's MHz.
    const mhz = [...readFileSync("/proc/cpuinfo", "utf8").matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map((m) =>
      Math.round(Number(m[1])),
    );
    const distinct = [...new Set(mhz)];
    assert.ok(
      res.t.err.includes(
        `tsnap cpufreq: no CPU frequency scaling on this machine (no ${CPUFREQ_DIR}): every sample is counted at /proc/cpuinfo's fixed ${distinct.join(", ")} MHz\n`,
      ),
      res.t.err,
    );
    const slots = new Set(mhz.map((m) => Math.floor(m / 200) * 200));
    for (const s of spinner.slots) assert.ok(slots.has(s.mhz), `${s.mhz} MHz is not a CPU's (${[...slots]})`);
    assert.equal(liveCount(), handles, "every fd and link closed");
  } finally {
    await w.stop();
  }
});

test("libbpf-tools cpufreq: a reference only where cpufreq exists", {
  skip: root ? false : "needs root",
}, (t) => {
  const why = libbpfToolSkip("cpufreq", ["-d", "1"]);
  if (why === false) t.skip("libbpf-tools cpufreq runs here (compare by hand on spin.c)");
  // It reads scaling_cur_freq at start and fails without it.
  else if (!scaling) assert.match(why, /not installed|does not load/);
});

test("bad input: one line, exit 2; not root: exit 1", async () => {
  for (const args of [["-d", "0"], ["-f", "0"], ["-f", "x"], ["5"], ["--nope"]]) {
    const r = await runTsnap(["cpufreq", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(r.stderr, /^tsnap: /);
  }
  if (root) assertNeedsRoot("cpufreq", TSNAP_BIN);
});

test("where the frequencies start: scaling_cur_freq, else cpuinfo, else a one-line refusal", () => {
  const cpuinfo = "processor\t: 0\ncpu MHz\t\t: 2096.006\n\nprocessor\t: 1\ncpu MHz\t\t: 1800.4\n";
  assert.deepEqual(cpuinfoMhz(cpuinfo), [2096, 1800]);
  const viaScaling = startFreqs([0, 1], (c) => (c === 0 ? "3400000\n" : "800000\n"), cpuinfo);
  assert.deepEqual(viaScaling, { source: "cpufreq", mhz: [3400, 800] });
  assert.equal(noScalingNote(viaScaling), null);
  const fixed = startFreqs([0, 1], () => null, cpuinfo);
  assert.deepEqual(fixed, { source: "cpuinfo", mhz: [2096, 1800] });
  assert.match(noScalingNote(fixed)!, /fixed 2096, 1800 MHz\n$/);
  // arm64 VMs: no cpufreq and no "cpu MHz": exit 1 with the reason, in one line.
  let err: unknown;
  try {
    startFreqs([0], () => null, "processor\t: 0\nBogoMIPS\t: 50.00\n");
  } catch (e) {
    err = e;
  }
  assert.equal(
    formatError(err),
    `tsnap: cpufreq is not supported here: no CPU frequency scaling (no ${CPUFREQ_DIR}) and no "cpu MHz" in /proc/cpuinfo: the frequency of a sample cannot be known`,
  );
});

test("libbpf-tools' layout: a linear histogram per name, then syswide", () => {
  const h = {
    byComm: new Map([["fio", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 2]]]),
    syswide: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 2],
  };
  assert.equal(
    renderText(h),
    "\n     fio           : count     distribution\n" +
      "        2000       : 4        |****************************************|\n" +
      "        2200       : 2        |********************                    |\n" +
      "\n\n     syswide       : count     distribution\n" +
      "        2000       : 8        |****************************************|\n" +
      "        2200       : 2        |**********                              |\n",
  );
  const rows = renderJson(h, new Date(0))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((r) => [r.comm, r.samples, r.slots[0].mhz]),
    [
      ["fio", 6, 2000],
      ["syswide", 10, 2000],
    ],
  );
});
