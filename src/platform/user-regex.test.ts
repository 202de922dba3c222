// User regexes run on V8's linear-time engine: catastrophic patterns finish at once, and
// what needs backtracking is refused with one usage line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { parseDecimal } from "./decimal.js";
import { compileUserRegex, linearEngineAvailable, MAX_PATTERN_LENGTH } from "./user-regex.js";

test("the linear-time engine is enabled from inside the process", () => {
  assert.ok(linearEngineAvailable());
  assert.ok(compileUserRegex("a", "-p").flags.includes("l"));
});

test("catastrophic patterns match long texts in well under a second", () => {
  const text = "a".repeat(20_000);
  for (const p of ["(.*.*)*X", "(a|a)*$", "(a*)*b", "^(a+)+$"]) {
    const re = compileUserRegex(p, "-p");
    const t0 = performance.now();
    const matched = re.test(`${text}!`);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `${p}: ${ms.toFixed(0)} ms`);
    // The truth of each match, from the text's construction.
    assert.equal(matched, p === "(a|a)*$", p);
  }
});

test("ordinary patterns keep their meaning", () => {
  assert.ok(compileUserRegex("^read$", "REGEX").test("read"));
  assert.ok(!compileUserRegex("^read$", "REGEX").test("pread64"));
  assert.ok(compileUserRegex("read|write", "REGEX").test("pwritev2"));
  assert.ok(compileUserRegex("^kworker/\\d+:\\d+", "-p").test("kworker/1:2H"));
  assert.ok(compileUserRegex("(?<name>sys)_enter_[a-z]+", "REGEX").test("sys_enter_openat"));
});

test("backreferences, lookaround, huge counts and too-long patterns are one usage error", () => {
  for (const p of ["(a)\\1", "x(?=y)", "(?<!a)b", "[a-z]{5,20}"]) {
    assert.throws(
      () => compileUserRegex(p, "-p"),
      (e: Error) => {
        assert.ok(e instanceof UsageError, p);
        assert.match(e.message, /^-p: '.*' needs backtracking .* linear time$/);
        return true;
      },
    );
  }
  assert.throws(() => compileUserRegex("a".repeat(MAX_PATTERN_LENGTH + 1), "-p"), /too long/);
  assert.throws(
    () => compileUserRegex("foo([", "REGEX"),
    /^UsageError: REGEX: bad regular expression 'foo\(\['/,
  );
});

test("numbers are decimal only", () => {
  assert.equal(parseDecimal("5"), 5);
  assert.equal(parseDecimal("-2.5"), -2.5);
  assert.equal(parseDecimal(".5"), 0.5);
  assert.equal(parseDecimal("10."), 10);
  for (const t of ["0x10", "0b11", "0o7", "1e3", "", " 5", "Infinity", "NaN", "1_000", "5s"])
    assert.equal(parseDecimal(t), null, t);
});
