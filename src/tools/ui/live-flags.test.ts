// The --live flags of ui and serve (pure parsing): defaults, DIR or --live, the sampler's
// flags only with --live, and -p's PIDs checked against /proc only with --live.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseFlags } from "../../command/args.js";
import { InputError, UsageError } from "../../errors.js";
import { LIVE_FLAGS, liveOptions } from "./live-flags.js";

const live = (argv: string[]) => {
  const { values, given, positionals } = parseFlags(argv, LIVE_FLAGS, 1);
  return liveOptions(values, given, positionals);
};

test("--live: the sampler's options, with defaults", () => {
  assert.deepEqual(live(["--live"]), { hz: 5, minutes: 10, source: "auto", all: false, pid: {} });
  const o = live([
    "--live",
    "--hz",
    "20",
    "--minutes",
    "2",
    "--source",
    "proc",
    "-a",
    "-p",
    String(process.pid),
  ]);
  assert.deepEqual(o, {
    hz: 20,
    minutes: 2,
    source: "proc",
    all: true,
    pid: { pids: new Set([process.pid]) },
  });
  assert.ok(live(["--live", "-p", "postgres"])?.pid?.comm?.test("postgres"));
});

test("without --live: null, and every sampler flag is refused, even at its default value", () => {
  assert.equal(live([]), null);
  assert.equal(live(["/var/lib/tsnap"]), null);
  for (const argv of [
    ["--hz", "5"],
    ["--minutes", "10"],
    ["--source", "auto"],
    ["-a"],
    ["-p", "999999999"],
  ]) {
    const flag = argv[0] === "-a" ? "--all" : argv[0] === "-p" ? "--pid" : argv[0];
    assert.throws(
      () => live(["DIR", ...argv]),
      (e: unknown) => e instanceof UsageError && e.message === `${flag} goes with --live`,
      argv.join(" "),
    );
  }
});

test("bad --live input: DIR too, values out of range, a PID that does not exist", () => {
  assert.throws(() => live(["--live", "DIR"]), /^UsageError: give DIR or --live, not both$/);
  assert.throws(
    () => live(["--live", "--hz", "0.05"]),
    /^UsageError: --hz must be at least 0\.1, got 0\.05$/,
  );
  assert.throws(() => live(["--live", "--minutes", "2000"]), /^UsageError: --minutes must be at most 1440/);
  assert.throws(
    () => live(["--live", "--source", "x"]),
    /^UsageError: --source must be one of auto, proc, bpf/,
  );
  assert.throws(
    () => live(["--live", "-p", "999999999"]),
    (e: unknown) => e instanceof InputError && e.message === "no process with PID 999999999",
  );
});
