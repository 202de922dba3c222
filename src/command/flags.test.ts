// Declared flags: parseFlags gives typed values or one UsageError line; flagHelp lists
// every flag a command accepts; a shared flag refuses a bad value with the same words in
// every command that has it, and is described the same way in each --help.
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { runCli } from "../testkit/cli.js";
import { decimalFlag, flagHelp, listOptionFlag, parseFlags, switchFlag, textsFlag } from "./args.js";
import { durationFlag, intervalFlag, pidFlag } from "./flags.js";

const FLAGS = {
  duration: durationFlag({ fallback: 5 }),
  interval: intervalFlag({ fallback: undefined, help: "every SECONDS" }),
  pid: pidFlag,
  limit: decimalFlag({ long: "limit", arg: "N", help: "at most N", min: 1, integer: true, fallback: 9 }),
  group: listOptionFlag({ long: "group", short: "g", arg: "COLS", help: "columns" }),
  where: textsFlag({ long: "where", short: "w", arg: "FILTER", help: "filters" }),
  all: switchFlag({ long: "all", short: "a", help: "everything" }),
};

test("parseFlags: typed values, defaults when absent", () => {
  const { values: v, positionals } = parseFlags(
    ["-d", "2.5", "-i", "1", "-p", "42", "-g", "a, b", "-w", "x=1", "-w", "y=2", "-a", "DIR"],
    FLAGS,
    1,
  );
  assert.deepEqual(v, {
    duration: 2.5,
    interval: 1,
    pid: 42,
    limit: 9,
    group: ["a", "b"],
    where: ["x=1", "y=2"],
    all: true,
  });
  assert.deepEqual(positionals, ["DIR"]);
  const d = parseFlags([], FLAGS).values;
  assert.deepEqual(d, {
    duration: 5,
    interval: undefined,
    pid: null,
    limit: 9,
    group: undefined,
    where: [],
    all: false,
  });
  assert.equal(parseFlags([], { d: durationFlag() }).values.d, Number.POSITIVE_INFINITY);
});

test("parseFlags: every bad value is one UsageError naming the flag as typed in --help", () => {
  const bad: [string[], RegExp][] = [
    [["-d", "0"], /^-d must be more than 0 seconds, got 0$/],
    [["-d", "-3"], /^-d must be more than 0 seconds, got -3$/],
    [["-d", "400000000"], /^-d must be at most 31536000/],
    [["-i", "0.01"], /^-i must be at least 0\.05/],
    [["-p", "0"], /^-p must be at least 1/],
    [["-p", "x"], /^-p must be a decimal number, got 'x'$/],
    [["--limit", "1.5"], /^--limit must be a whole number/],
    [["--nope"], /^unknown option '--nope'/],
    [["A", "B"], /^unexpected argument 'B'$/],
  ];
  for (const [argv, re] of bad)
    assert.throws(
      () => parseFlags(argv, FLAGS, 1),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
      argv.join(" "),
    );
});

test("flagHelp: one line (or more, wrapped) per flag, in declaration order, then -h", () => {
  const text = flagHelp(FLAGS);
  const names = [...text.matchAll(/^ {2}(?:-\w, | {4})--([\w-]+)/gm)].map((m) => m[1]);
  assert.deepEqual(names, ["duration", "interval", "pid", "limit", "group", "where", "all", "help"]);
  assert.match(text, /-d, --duration SECONDS +how long to run \(default 5\)/);
  for (const line of text.split("\n")) assert.ok(line.length <= 90, line);
});

test("a shared flag: the same refusal and the same --help line in every command that has it", async () => {
  const withDuration = ["top", "capture", "syscount", "schedlat"];
  for (const cmd of withDuration) {
    const r = await runCli([cmd, "-d", "0", ...(cmd === "capture" ? ["-o", "/nonexistent"] : [])]);
    assert.equal(r.code, 2, cmd);
    assert.equal(r.stderr, "tsnap: -d must be more than 0 seconds, got 0\n", cmd);
    const help = (await runCli([cmd, "--help"])).stdout;
    assert.match(help, /-d, --duration SECONDS +how long to run \(default /, cmd);
  }
  for (const cmd of ["syscount", "profile", "offcputime"]) {
    const r = await runCli([cmd, "-p", "abc"]);
    assert.equal(r.stderr, "tsnap: -p must be a decimal number, got 'abc'\n", cmd);
  }
  for (const cmd of ["top", "query", "doctor"]) {
    const r = await runCli([cmd, "--format", "xml"]);
    assert.equal(r.stderr, "tsnap: --format must be one of table, json, ndjson, csv, got 'xml'\n", cmd);
  }
});
