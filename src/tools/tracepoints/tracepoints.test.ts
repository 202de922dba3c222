import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runCli } from "../../testkit/cli.js";

const skip = process.getuid?.() === 0 ? false : "needs root to read tracefs";
const EVENTS = "/sys/kernel/tracing/events";

/** Truth for a field: its offset and size as the kernel's format file states them. */
function fieldFromFile(category: string, event: string, decl: string): { offset: number; size: number } {
  const text = readFileSync(`${EVENTS}/${category}/${event}/format`, "utf8");
  const line = text.split("\n").find((l) => l.includes(`field:${decl};`));
  assert.ok(line, `${decl} not in ${event}`);
  const [, offset, size] = /offset:(\d+);\s*size:(\d+);/.exec(line) ?? [];
  return { offset: Number(offset), size: Number(size) };
}

test("tracepoints ^sched:sched_switch$: one line with the fields as C declarations", { skip }, async () => {
  const io = await runCli(["tracepoints", "^sched:sched_switch$"]);
  assert.equal(io.code, 0, io.stderr);
  assert.equal(
    io.stdout,
    "sched:sched_switch(char prev_comm[16], pid_t prev_pid, int prev_prio, long prev_state, char next_comm[16], pid_t next_pid, int next_prio)\n",
  );
});

test("tracepoints -v: offsets and sizes as in the format file", { skip }, async () => {
  const io = await runCli(["tracepoints", "-v", "^sched:sched_switch$"]);
  assert.equal(io.code, 0, io.stderr);
  const id = readFileSync(`${EVENTS}/sched/sched_switch/id`, "utf8").trim();
  assert.ok(io.stdout.startsWith(`sched:sched_switch (id ${id})\n`), io.stdout);
  for (const decl of ["pid_t next_pid", "char prev_comm[16]", "long prev_state"]) {
    const truth = fieldFromFile("sched", "sched_switch", decl);
    const row = io.stdout.split("\n").find((l) => l.trim().startsWith(decl));
    assert.ok(row, decl);
    assert.deepEqual(row.trim().slice(decl.length).trim().split(/\s+/).slice(0, 2).map(Number), [
      truth.offset,
      truth.size,
    ]);
  }
});

test("tracepoints --format json -v: every category:name matches and fields carry offsets", {
  skip,
}, async () => {
  const io = await runCli(["tracepoints", "--format", "json", "-v", "^block:block_rq_"]);
  assert.equal(io.code, 0, io.stderr);
  const entries = JSON.parse(io.stdout) as {
    name: string;
    id: number;
    args: { name: string; offset: number; size: number }[];
  }[];
  const expected = readdirSync(`${EVENTS}/block`).filter((d) => d.startsWith("block_rq_"));
  assert.deepEqual(entries.map((e) => e.name).sort(), expected.map((e) => `block:${e}`).sort());
  const issue = entries.find((e) => e.name === "block:block_rq_issue");
  const sector = issue?.args.find((a) => a.name === "sector");
  assert.deepEqual(
    [sector?.offset, sector?.size],
    Object.values(fieldFromFile("block", "block_rq_issue", "sector_t sector")),
  );
});

test("tracepoints with no regex lists every event", { skip }, async () => {
  const io = await runCli(["tracepoints"]);
  assert.equal(io.code, 0, io.stderr);
  let count = 0;
  for (const c of readdirSync(EVENTS, { withFileTypes: true })) {
    if (!c.isDirectory()) continue;
    for (const e of readdirSync(`${EVENTS}/${c.name}`, { withFileTypes: true })) if (e.isDirectory()) count++;
  }
  assert.equal(io.stdout.trim().split("\n").length, count);
});

test("bad input: one error line and a non-zero exit", async () => {
  const cases: [string[], number, RegExp][] = [
    [["tracepoints", "[z-a]"], 2, /^tsnap: REGEX: bad regular expression '\[z-a\]'/],
    [["tracepoints", "--format", "csv"], 2, /^tsnap: --format must be one of table, json/],
    [["tracepoints", "-x"], 2, /^tsnap: unknown option '-x'/],
  ];
  if (!skip) cases.push([["tracepoints", "^nope:"], 1, /^tsnap: no tracepoint matches/]);
  for (const [argv, code, message] of cases) {
    const io = await runCli(argv);
    assert.equal(io.code, code, argv.join(" "));
    assert.match(io.stderr, message);
    assert.equal(io.stderr.trim().split("\n").length, 1, io.stderr);
  }
});

test("as a non-root user: one PermissionError line, exit 1", {
  skip: skip ? "needs root to switch to nobody" : false,
}, (t) => {
  const bin = fileURLToPath(new URL("../../../../bin/tsnap.js", import.meta.url));
  const r = spawnSync(
    "setpriv",
    ["--reuid=65534", "--regid=65534", "--clear-groups", "node", bin, "tracepoints", "sched"],
    {
      encoding: "utf8",
    },
  );
  if (/Cannot find module|EACCES.*dist/.test(r.stderr)) {
    t.skip(`nobody cannot read the build: ${r.stderr.split("\n")[0]}`);
    return;
  }
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /^tsnap: reading tracefs needs root \(or read access to \/sys\/kernel\/tracing\)[^\n]*\n$/,
  );
  assert.equal(r.stdout, "");
});

test("--help has EXAMPLES", async () => {
  const io = await runCli(["tracepoints", "--help"]);
  assert.equal(io.code, 0);
  assert.match(io.stdout, /\nEXAMPLES\n/);
});
