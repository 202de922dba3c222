import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError, UsageError } from "../errors.js";
import { parsePidFilter } from "./pid-filter.js";

test("-p: PIDs that exist, a regex otherwise, and clear refusals", () => {
  assert.deepEqual(parsePidFilter(undefined), {});
  assert.deepEqual(parsePidFilter(`${process.pid}, 1`).pids, new Set([process.pid, 1]));
  assert.equal(parsePidFilter("^java$").comm?.source, "^java$");
  assert.throws(() => parsePidFilter("0"), InputError);
  assert.throws(() => parsePidFilter("4194304999"), /no process with PID 4194304999/);
  assert.throws(() => parsePidFilter("123,java"), UsageError);
  assert.throws(() => parsePidFilter("-5"), /bad PID/);
  assert.throws(() => parsePidFilter("a("), /bad regular expression/);
});
