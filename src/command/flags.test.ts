// Declared flags: parseFlags gives typed values or one UsageError line; flagHelp lists
// every flag a command accepts; a shared flag refuses a bad value with the same words in
// every command that has it, and is described the same way in each --help; bcc's flags
// (-c, -T in its meanings, [interval] [count]) parse as bcc's tools do.
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { runCli } from "../testkit/cli.js";
import { decimalFlag, flagHelp, listOptionFlag, parseFlags, switchFlag, textsFlag } from "./args.js";
import {
  cgroupFlag,
  clockTimestampFlag,
  durationFlag,
  INTERVAL_COUNT_ARGS,
  intervalFlag,
  jsonFlag,
  millisecondsFlag,
  parseIntervalCount,
  pidFlag,
  timeColumnFlag,
  timeLineFlag,
  timestampColumnFlag,
  topFlag,
} from "./flags.js";

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

test("bcc's shared flags: -c DIR, -T by bcc's meaning per tool, -m, --json", () => {
  const hist = { cgroup: cgroupFlag(), timestamp: timeLineFlag, ms: millisecondsFlag, json: jsonFlag("x") };
  assert.deepEqual(parseFlags(["-c", "/sys/fs/cgroup/a b", "-mT", "--json"], hist).values, {
    cgroup: "/sys/fs/cgroup/a b",
    timestamp: true,
    ms: true,
    json: true,
  });
  assert.deepEqual(parseFlags([], hist).values, {
    cgroup: undefined,
    timestamp: false,
    ms: false,
    json: false,
  });
  assert.throws(() => parseFlags(["-c", ""], hist), /^UsageError: -c needs a cgroup v2 directory, got ''$/);
  assert.throws(() => parseFlags(["-c"], hist), /^UsageError: option '--cgroup' needs a value$/);
  // execsnoop: -T is the clock column, -t the seconds column; opensnoop: -T the seconds column.
  const exec = parseFlags(["-T"], { time: timeColumnFlag, timestamp: timestampColumnFlag("t") }).values;
  assert.deepEqual(exec, { time: true, timestamp: false });
  assert.equal(parseFlags(["-T"], { timestamp: timestampColumnFlag("T") }).values.timestamp, true);
  // exitsnoop -t, opensnoop -T: --timestamp, printed as the clock time (libbpf-tools).
  assert.equal(parseFlags(["--timestamp"], { timestamp: clockTimestampFlag("t") }).values.timestamp, true);
  assert.match(flagHelp({ t: clockTimestampFlag("t") }), /-t, --timestamp +a TIME column \(HH:MM:SS\)/);
  // syscount: -T N rows.
  assert.equal(parseFlags(["-T", "3"], { top: topFlag(10) }).values.top, 3);
  assert.equal(parseFlags([], { top: topFlag(10) }).values.top, 10);
  assert.throws(() => parseFlags(["-T", "0"], { top: topFlag(10) }), /-T must be at least 1, got 0/);
  assert.match(
    flagHelp({ c: cgroupFlag("why") }),
    /-c, --cgroup DIR +only tasks under this cgroup v2 directory \(why\)/,
  );
});

test("[interval] [count]: bcc's positionals, in --help after the flags", () => {
  assert.deepEqual(parseIntervalCount([]), { intervalS: Infinity, count: Infinity });
  assert.deepEqual(parseIntervalCount(["2.5"]), { intervalS: 2.5, count: Infinity });
  assert.deepEqual(parseIntervalCount(["1", "10"]), { intervalS: 1, count: 10 });
  const bad: [string[], string][] = [
    [["0"], "interval must be a positive number, got '0'"],
    [["x"], "interval must be a positive number, got 'x'"],
    [[" "], "interval must be a positive number, got ' '"],
    [["0.05"], "interval must be at least 0.1 s"],
    [["1", "2.5"], "count must be a positive whole number, got '2.5'"],
    [["1", "-1"], "count must be a positive whole number, got '-1'"],
    [["1", "2", "3"], "unexpected argument '3'"],
  ];
  for (const [argv, message] of bad)
    assert.throws(
      () => parseIntervalCount(argv),
      (e: unknown) => e instanceof UsageError && e.message === message,
      argv.join(" "),
    );
  // Through parseFlags: "-1" after a flag is not mistaken for one.
  const { positionals } = parseFlags(["-T", "1", "3"], { t: timeLineFlag }, 2);
  assert.deepEqual(parseIntervalCount(positionals), { intervalS: 1, count: 3 });
  const help = flagHelp({ t: timeLineFlag }, true, INTERVAL_COUNT_ARGS);
  assert.match(
    help,
    /-h, --help +this text\n {2}interval +seconds between reports[^\n]*\n {2}count +number of reports/,
  );
});

test("parseFlags says which flags were given (a default value cannot)", () => {
  const { values, given } = parseFlags(["-d", "5", "-a"], FLAGS);
  assert.equal(values.duration, 5);
  assert.deepEqual([...given].sort(), ["all", "duration"]);
  assert.equal(parseFlags([], FLAGS).given.size, 0);
});
