import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { assertBadInput } from "../../testkit/bcc-tools.js";
import { runCli } from "../../testkit/cli.js";

const skip = process.getuid?.() === 0 ? false : "needs root to read tracefs";
const EVENTS = "/sys/kernel/tracing/events/syscalls";

test("syscalls ^read$: number from the x86_64/arm64 ABI and arguments from the kernel", {
  skip,
}, async () => {
  const io = await runCli(["syscalls", "^read$"]);
  assert.equal(io.code, 0, io.stderr);
  const nr = { x64: "0", arm64: "63" }[process.arch as string] ?? "-";
  assert.equal(
    io.stdout,
    `NR  SYSCALL(ARGUMENTS)\n${nr.padStart(2)}  read(unsigned int fd, char * buf, size_t count)\n`,
  );
});

test("syscalls with no regex lists one line per sys_enter_* tracepoint", { skip }, async () => {
  const io = await runCli(["syscalls"]);
  assert.equal(io.code, 0, io.stderr);
  const expected = readdirSync(EVENTS).filter((d) => d.startsWith("sys_enter_")).length;
  assert.equal(io.stdout.trim().split("\n").length - 1, expected);
});

test("syscalls --format json: every name matches, arguments equal the format file's fields", {
  skip,
}, async () => {
  const io = await runCli(["syscalls", "--format", "json", "write"]);
  assert.equal(io.code, 0, io.stderr);
  const entries = JSON.parse(io.stdout) as {
    name: string;
    nr?: number;
    args: { type: string; name: string }[];
  }[];
  const names = entries.map((e) => e.name);
  for (const n of ["write", "pwrite64", "writev", "process_vm_writev"]) assert.ok(names.includes(n), n);
  assert.ok(names.every((n) => n.includes("write")));
  for (const e of entries) {
    // Truth: the field lines of the real format file, extracted here with a plain regex.
    const text = readFileSync(`${EVENTS}/sys_enter_${e.name}/format`, "utf8");
    const fields = [...text.matchAll(/field:(.+?) (\w+);\toffset/g)].map((m) => `${m[1]} ${m[2]}`);
    const args = fields.filter((f) => !/ (common_\w+|__syscall_nr)$/.test(f));
    assert.deepEqual(
      e.args.map((a) => `${a.type} ${a.name}`),
      args,
      e.name,
    );
  }
  if (process.arch === "x64") assert.equal(entries.find((e) => e.name === "pwrite64")?.nr, 18);
});

test("bad input: one error line and a non-zero exit, no stack", async () => {
  const cases: [string[], number, RegExp][] = [
    [["(unclosed"], 2, /^tsnap: REGEX: bad regular expression '\(unclosed'/],
    [["--format", "xml"], 2, /^tsnap: --format must be one of table, json/],
    [["--bogus"], 2, /^tsnap: unknown option '--bogus'/],
    [["a", "b"], 2, /^tsnap: unexpected argument 'b'/],
  ];
  if (!skip) cases.push([["^no_such_syscall$"], 1, /^tsnap: no syscall matches/]);
  await assertBadInput("syscalls", cases, { needsRoot: false });
});

test("--help has EXAMPLES", async () => {
  const io = await runCli(["syscalls", "--help"]);
  assert.equal(io.code, 0);
  assert.match(io.stdout, /\nEXAMPLES\n/);
});
