// sampleCsvLine (capture's straight-line hot path) writes byte for byte what the generic
// encoder writes from the column getters (csvLine of sampleRecord), for awkward values:
// quotes, separators, line breaks, edge whitespace, empty strings, nulls, bigints, and the
// same string seen again (its quoted form is remembered).
import assert from "node:assert/strict";
import { test } from "node:test";
import { blankSample, type Sample } from "../model/sample.js";
import { csvLine, sampleCsvLine, sampleRecord } from "./csv-row.js";

function samples(): Sample[] {
  const a = blankSample(Date.UTC(2026, 11, 2, 3, 4, 5, 678) * 1000 + 9, 1_000_000, 42, 40);
  a.comm = 'a,"b" ';
  a.cmdline = "sh -c 'echo 1\necho 2'";
  a.exe = "/usr/bin/x";
  a.username = "";
  a.state = "DISK";
  a.syscall = "pread64";
  a.syscall_active = "pread64";
  a.sysc_args = [0n, 1n, 0xffffffffffffffffn, 4096n, 0x7f00dead00n, 2n];
  a.sysc_entry_ns = 123_456_789_012;
  a.sysc_ns_so_far = 0;
  a.sysc_seq_num = 7;
  a.filename = " lead space";
  a.wchan = "trail\r";
  a.ppid = 1;
  a.pidns = 4026531836;
  a.cpu = 0;
  a.utime = 0;
  a.stime = 12;
  const b = blankSample(a.timestamp, 1_000_000, 43, 40);
  b.comm = "plain";
  b.sysc_args = [1n, 2n, 3n]; // a source that knows fewer than six
  const c = { ...a, tid: 44, comm: 'a,"b" ' }; // the same awkward text again (remembered)
  return [a, b, c];
}

test("sampleCsvLine equals the generic encoder's line for awkward values", () => {
  for (const s of samples()) {
    const refs: [string | null, string | null, bigint | number | null][] = [
      ["00000000deadbeef", "0123456789abcdef", 99n],
      [null, null, null],
      [null, "00000000000000ff", 5],
    ];
    for (const [kh, uh, cg] of refs)
      assert.equal(sampleCsvLine(s, kh, uh, cg), csvLine("samples", sampleRecord(s, kh, uh, cg)));
  }
});

test("sampleCsvLine quotes what a CSV reader needs quoted", () => {
  const line = sampleCsvLine(samples()[0], null, null, null);
  assert.ok(line.includes(',"a,""b"" ",'), line);
  assert.ok(line.includes(`,"sh -c 'echo 1\necho 2'",`), line);
  assert.ok(line.includes(',"",'), "an empty username is an empty string, not NULL");
  assert.ok(line.includes(",0,1,ffffffffffffffff,1000,7f00dead00,2,"), line);
  assert.ok(line.endsWith("\n"));
});
