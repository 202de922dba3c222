// The ledger's text: confirmed uploads (the format of the first ledgers, still read), the
// write-ahead cut lines and the closed lines; a torn last line (a crash mid-append) is not
// taken for a confirmation.
import assert from "node:assert/strict";
import { test } from "node:test";
import { cutDone, cutLine, parseLedger } from "./ship-ledger.js";

test("ledger: confirmed uploads by segment and table, as the first ledgers wrote them", () => {
  const l = parseLedger("2026-01-02.04_0_ab samples k1 md5 10\n2026-01-02.04_0_ab rounds k2 md5 3\n\n");
  assert.deepEqual([...l.done], ["2026-01-02.04_0_ab/samples", "2026-01-02.04_0_ab/rounds"]);
  assert.deepEqual([l.cuts, [...l.closed]], [[], []]);
});

test("ledger: cut lines round-trip, a cut is done when each of its tables is confirmed, torn lines do not count", () => {
  const cut = {
    segment: "2026-01-02.03_0_w05_0123456789abcdef",
    hour: "2026-01-02.03",
    part: 0,
    partKey: "1767322620000000",
    endUs: 1767322800000000,
    tables: new Map([
      ["samples", 120],
      ["rounds", 60],
    ]),
  };
  const close = { ...cut, segment: "2026-01-02.03_0_end_fedcba9876543210", endUs: null, tables: new Map() };
  const text = `${cutLine(cut)}${cut.segment} samples k md5 120\n${cutLine(close)}closed 2026-01-02.03 0 1767322620000000\n${cut.segment} rounds k md5 6`;
  const l = parseLedger(text);
  assert.deepEqual(l.cuts, [cut, close]);
  assert.equal(cutDone(l, cut), false, "the rounds line is torn: not confirmed");
  assert.equal(cutDone(l, close), true, "a cut with no rows is done");
  assert.deepEqual([...l.closed], ["2026-01-02.03_0_1767322620000000"]);
  assert.equal(cutDone(parseLedger(`${text}0\n`), cut), true);
});
