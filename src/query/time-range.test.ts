// Times and durations of the command line (query --from/--to, --last ...). The expected
// values are computed independently with Date.UTC, never by the code under test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { parseDurationUs, parseTimeUs, parseTimeValue } from "./time-range.js";

const us = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) =>
  Date.UTC(y, mo - 1, d, h, mi, s, ms) * 1000;

// The data ends at 2025-09-05 13:47:12.5 UTC; "now" is a day and a bit later.
const END = us(2025, 9, 5, 13, 47, 12, 500);
const NOW = us(2025, 9, 6, 15, 0, 0);
const t = (text: string) => parseTimeUs(text, NOW, END, "--from");

test("durations: s, m, h, d and decimals", () => {
  assert.equal(parseDurationUs("90s", "--last"), 90e6);
  assert.equal(parseDurationUs("5m", "--last"), 300e6);
  assert.equal(parseDurationUs("1h", "--last"), 3600e6);
  assert.equal(parseDurationUs("7d", "--last"), 7 * 86_400e6);
  assert.equal(parseDurationUs("1.5h", "--last"), 5400e6);
  assert.equal(parseDurationUs(" 2m ", "--last"), 120e6);
});

test("bad durations: a usage error naming the flag and the text", () => {
  for (const bad of ["", "5", "m", "-5m", "5 m", "5min", "1e3s", "0x10s", "5M"]) {
    assert.throws(
      () => parseDurationUs(bad, "--last"),
      (e: unknown) =>
        e instanceof UsageError && e.message.includes("--last") && e.message.includes(`'${bad}'`),
      bad,
    );
  }
});

test("relative to the end of the data, and to now", () => {
  assert.equal(t("-1h"), END - 3600e6);
  assert.equal(t("-30m"), END - 1800e6);
  assert.equal(t("-90s"), END - 90e6);
  assert.equal(t("-2d"), END - 2 * 86_400e6);
  assert.equal(t("+10m"), END + 600e6);
  assert.equal(t("now"), NOW);
  assert.equal(t("now-1h"), NOW - 3600e6);
  assert.equal(t("now+1.5m"), NOW + 90e6);
});

test("a time of day is on the day the data ends (UTC)", () => {
  assert.equal(t("13:05"), us(2025, 9, 5, 13, 5));
  assert.equal(t("9:30"), us(2025, 9, 5, 9, 30));
  assert.equal(t("13:05:07"), us(2025, 9, 5, 13, 5, 7));
  assert.equal(t("13:05:07.25"), us(2025, 9, 5, 13, 5, 7, 250));
  assert.equal(t("00:00"), us(2025, 9, 5));
});

test("ISO dates and date-times, with T or a space, seconds optional, Z allowed", () => {
  assert.equal(t("2025-09-05"), us(2025, 9, 5));
  assert.equal(t("2025-09-05 13:05"), us(2025, 9, 5, 13, 5));
  assert.equal(t("2025-09-05T13:05"), us(2025, 9, 5, 13, 5));
  assert.equal(t("2025-09-05T13:05:09"), us(2025, 9, 5, 13, 5, 9));
  assert.equal(t("2025-09-05T13:05:09.5"), us(2025, 9, 5, 13, 5, 9, 500));
  assert.equal(t("2025-09-05T13:05:09Z"), us(2025, 9, 5, 13, 5, 9));
  assert.equal(t("2024-02-29 23:59"), us(2024, 2, 29, 23, 59), "a leap day");
});

test("bad times: one usage error naming the flag", () => {
  for (const bad of [
    "",
    "yesterday",
    "2025-13-01",
    "2025-09-05 25:00",
    "13",
    "now-",
    "-1x",
    "2025-9-5",
    "24:00",
    "13:60",
    "13:05:60",
  ]) {
    assert.throws(
      () => t(bad),
      (e: unknown) => e instanceof UsageError && e.message.startsWith("--from: bad time"),
      bad,
    );
  }
});

test("parseTimeValue: the bound-parameter text of the same instant", () => {
  assert.equal(parseTimeValue("2025-09-05T13:05:09.5", NOW, END, "--to"), "2025-09-05 13:05:09.500000");
  assert.equal(parseTimeValue("-1h", NOW, END, "--to"), "2025-09-05 12:47:12.500000");
});
