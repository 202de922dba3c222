// The CLI as a user meets it: help on every command, one-line errors, Ctrl-C.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { COLUMNS } from "../report/columns.js";
import { runCli, runTsnap, TSNAP_BIN } from "../testkit/cli.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../testkit/workloads.js";
import { COMMANDS } from "./registry.js";

test("every command's --help has USAGE and EXAMPLES that run that command", async () => {
  for (const c of COMMANDS) {
    const r = await runCli([c.name, "--help"]);
    assert.equal(r.code, 0, c.name);
    assert.match(r.stdout, /\nEXAMPLES\n/, `${c.name} --help has no EXAMPLES`);
    assert.match(
      r.stdout,
      new RegExp(`\\n  tsnap ${c.name}\\b`),
      `${c.name} examples do not show the command`,
    );
  }
  const top = await runCli(["--help"]);
  for (const c of COMMANDS)
    assert.match(top.stdout, new RegExp(`\\n  ${c.name} `), `tsnap --help lists ${c.name}`);
});

test("--version: package.json's version, the git commit, where the BPF objects come from", async () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
  const commit = execFileSync("git", ["-C", REPO_ROOT, "rev-parse", "--short", "HEAD"], {
    encoding: "utf8",
  }).trim();
  const r = await runCli(["--version"]);
  assert.match(
    r.stdout.trim(),
    new RegExp(`^tsnap ${pkg.version.replace(/\./g, "\\.")} \\(commit ${commit}, BPF objects: `),
  );
  assert.match(
    r.stdout,
    existsSync(join(REPO_ROOT, "build/bpf/sampler.bpf.o")) ? /built locally/ : /not built/,
  );
});

test("top --list names every column the issue asks for", async () => {
  const r = await runCli(["top", "--list"]);
  for (const c of [
    "pid",
    "tid",
    "comm",
    "comm2",
    "state",
    "syscall",
    "wchan",
    "filename",
    "filenamesum",
    "kstack",
    "exe",
    "cmdline",
    "username",
    "cgroup",
  ]) {
    assert.match(r.stdout, new RegExp(`\\n ${c} +\\| \\S`), `--list lacks ${c}`);
  }
  assert.equal(r.stdout.trim().split("\n").length, COLUMNS.length + 2);
});

const BAD: [string[], RegExp][] = [
  [["top", "--bogus"], /unknown option '--bogus'/],
  [["top", "-g", "state,nosuch"], /unknown column 'nosuch'/],
  [["top", "-p", "99999999"], /no process with PID 99999999/],
  [["top", "-p", "foo(["], /bad regular expression/],
  [["top", "-d", "0"], /-d must be more than 0/],
  [["top", "-d", "abc"], /-d must be a decimal number/],
  [["top", "-d", "0x10"], /-d must be a decimal number, got '0x10'/],
  [["top", "-d", "-5"], /-d must be more than 0 seconds, got -5/],
  [["top", "--format", "xml"], /--format must be one of table, json, ndjson, csv/],
  [["top", "--hz=-5"], /--hz must be at least/],
  [["top", "--hz", "-5"], /--hz must be at least/],
  [["top", "-p", "-foo"], /write --pid=VALUE/],
  [["top", "-d"], /option '--duration' needs a value/],
  [["top", "extra"], /unexpected argument 'extra'/],
  [["nosuchcommand"], /unknown command 'nosuchcommand'/],
];

test("bad input: one error line, non-zero exit, no stack trace", async () => {
  for (const [argv, pattern] of BAD) {
    const r = await runTsnap(argv);
    const lines = r.stderr.trim().split("\n");
    assert.notEqual(r.code, 0, argv.join(" "));
    assert.equal(lines.length, 1, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(lines[0], /^tsnap: /);
    assert.match(lines[0], pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test("top --format csv and json carry the group columns, samples and avg_threads", async () => {
  const csv = await runCli(["top", "--source", "proc", "-a", "-g", "state", "-d", "0.2", "--format", "csv"]);
  assert.equal(csv.stdout.split("\n")[0], "samples,avg_threads,state");
  const json = await runCli([
    "top",
    "--source",
    "proc",
    "-a",
    "-g",
    "pid,comm",
    "-d",
    "0.2",
    "--format",
    "json",
  ]);
  const rows = JSON.parse(json.stdout) as Record<string, unknown>[];
  assert.ok(rows.length > 0);
  assert.deepEqual(Object.keys(rows[0]), ["pid", "comm", "samples", "avg_threads"]);
});

test("top --interval prints one report per interval, each of its 5 rounds", async () => {
  // One sleeping thread: -a shows it in every round, so its samples count the rounds.
  const w = await startWorkload(compileWorkload("sleep-loop"), ["300", "30"]);
  try {
    const r = await runCli([
      "top",
      "--source",
      "proc",
      "-a",
      "-p",
      String(w.child.pid),
      "-g",
      "tid",
      "--hz",
      "10",
      "--interval",
      "0.5",
      "-d",
      "1.5",
      "--format",
      "json",
    ]);
    const reports = r.stdout.trim().split("\n");
    assert.equal(reports.length, 3, r.stdout);
    for (const line of reports) {
      const rows = JSON.parse(line) as { tid: number; samples: number }[];
      // 0.5 s at 10 Hz = 5 rounds per report.
      assert.deepEqual(
        rows.map((x) => [x.tid, x.samples]),
        [[w.child.pid, 5]],
        line,
      );
    }
  } finally {
    await w.stop();
  }
});

test("Ctrl-C during top prints what was sampled so far and exits 0", async () => {
  const child = spawn(
    process.execPath,
    [TSNAP_BIN, "top", "--source", "proc", "-a", "-g", "state", "-d", "60"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = Date.now();
  child.kill("SIGINT");
  const code = await new Promise<number | null>((r) => child.on("close", r));
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 3000, "exits promptly");
  assert.match(out, /=== All Threads ===/);
  const m = /rounds: (\d+) of (\d+) expected/.exec(out);
  assert.ok(m && Number(m[1]) >= 5 && Number(m[1]) <= 40, out);
});
