// The CFI parser against binutils: for every FDE of glibc and of a workload built
// -fomit-frame-pointer, each row `readelf --debug-dump=frames-interp` prints (location, CFA
// rule, register rules) is the row eh-frame.ts computes at that location, and the FDE found
// through .eh_frame_hdr for an address is the one whose range readelf gives. The unwinder's
// expression evaluator on the PLT rule GNU ld writes (CFA = rsp + 8, + 8 more past the push).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { compileWorkload } from "../testkit/workloads.js";
import { evalExpr } from "./dwarf-unwind.js";
import { type CfiRow, cfaText, regName, ruleText } from "./eh-frame.js";
import { unwindImage } from "./unwind-tables.js";

/** Code whose CFI is only in .debug_frame: no .eh_frame entries, no frame pointers. */
const DEBUG_FRAME_ONLY = ["-O2", "-fomit-frame-pointer", "-fno-asynchronous-unwind-tables", "-g"];

interface Expected {
  start: number;
  end: number;
  cie: number;
  rows: { loc: number; cols: Map<string, string> }[];
}

/** readelf's FDEs of one section (CIE tables stand for FDEs that print none). */
function readelfFdes(path: string, sectionName = ".eh_frame"): Expected[] {
  // readelf exits 1 on glibc (its separate debug file is absent) after printing everything.
  const r = spawnSync("readelf", ["--debug-dump=frames-interp", path], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const head = `Contents of the ${sectionName} section`;
  assert.ok(r.stdout.includes(head), `readelf ${path}: ${r.stderr}`);
  // That section's part of the listing only (readelf prints .eh_frame, then .debug_frame).
  const text = r.stdout.slice(r.stdout.indexOf(head)).split(/\nContents of the /)[0];
  const cies = new Map<number, { loc: number; cols: Map<string, string> }[]>();
  const out: Expected[] = [];
  let cur: { rows: { loc: number; cols: Map<string, string> }[] } | null = null;
  let header: string[] = [];
  for (const line of text.split("\n")) {
    const cie = /^([0-9a-f]{8}) [0-9a-f]+ [0-9a-f]+ CIE/.exec(line);
    const fde = /^[0-9a-f]{8} [0-9a-f]+ [0-9a-f]+ FDE cie=([0-9a-f]+) pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(
      line,
    );
    if (cie) {
      cur = { rows: [] };
      cies.set(Number.parseInt(cie[1], 16), cur.rows);
    } else if (fde) {
      const e: Expected = {
        cie: Number.parseInt(fde[1], 16),
        start: Number.parseInt(fde[2], 16),
        end: Number.parseInt(fde[3], 16),
        rows: [],
      };
      out.push(e);
      cur = e;
    } else if (/^\s+LOC\s+CFA/.test(line)) header = line.trim().split(/\s+/).slice(1);
    else if (cur && /^[0-9a-f]{16} /.test(line)) {
      const f = line.trim().match(/r\d+ \(\w+\)|\S+/g) ?? []; // a register rule: "r9 (r9)"
      cur.rows.push({
        loc: Number.parseInt(f[0] ?? "", 16),
        cols: new Map(header.map((h, i) => [h, f[i + 1] ?? ""])),
      });
    }
  }
  for (const e of out)
    if (e.rows.length === 0) e.rows = (cies.get(e.cie) ?? []).map((r) => ({ ...r, loc: e.start }));
  return out;
}

function rowText(row: CfiRow, cols: Iterable<string>): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of cols) {
    if (c === "CFA") m.set(c, cfaText(row.cfa));
    else {
      const reg = [...Array(17).keys()].find((r) => regName(r) === c) ?? -1;
      m.set(c, ruleText(row.regs.get(reg)));
    }
  }
  return m;
}

const haveReadelf = spawnSync("readelf", ["--version"]).status === 0;

function checkFile(path: string, sectionName = ".eh_frame"): number {
  const img = unwindImage(readFileSync(path));
  const cfi = sectionName === ".eh_frame" ? img?.cfi : img?.debug;
  assert.ok(cfi, `${path} has ${sectionName}`);
  const want = readelfFdes(path, sectionName);
  assert.ok(want.length > 0, `readelf lists FDEs of ${path}`);
  let rows = 0;
  for (const e of want) {
    const f = cfi.find(e.start);
    assert.ok(f && f.start === e.start && f.end === e.end, `FDE of 0x${e.start.toString(16)} in ${path}`);
    const last = cfi.find(e.end - 1);
    assert.equal(last?.start, e.start, `0x${(e.end - 1).toString(16)}: the same FDE`);
    for (const r of e.rows) {
      const row = cfi.rowIn(f, r.loc);
      assert.ok(row, `a row at 0x${r.loc.toString(16)}`);
      assert.deepEqual(rowText(row, r.cols.keys()), r.cols, `${path} at 0x${r.loc.toString(16)}`);
      // No rule readelf would have printed a column for.
      for (const reg of row.regs.keys())
        assert.ok(r.cols.has(regName(reg)), `${regName(reg)} at 0x${r.loc.toString(16)}`);
      rows++;
    }
  }
  // An address in no FDE (below the first one) has no row.
  const lowest = Math.min(...want.map((e) => e.start));
  if (lowest > 0) assert.equal(cfi.find(lowest - 1)?.start === lowest - 1, false);
  return rows;
}

test("every row of glibc's .eh_frame is the row readelf --debug-dump=frames-interp prints", {
  skip: !haveReadelf && "readelf (binutils) is not installed",
}, (t) => {
  const libc = "/lib/x86_64-linux-gnu/libc.so.6";
  const n = checkFile(libc);
  t.diagnostic(`${n} rows of ${libc} agree`);
  assert.ok(n > 10_000, `${n} rows`);
});

test("every row of a workload built -O2 -fomit-frame-pointer agrees with readelf", {
  skip: !haveReadelf && "readelf (binutils) is not installed",
}, () => {
  const bin = compileWorkload("nofp-chain", "test/workloads", ["-fomit-frame-pointer"]);
  assert.ok(checkFile(bin) > 10);
});

test("every row of .debug_frame (a workload built -fno-asynchronous-unwind-tables -g) agrees with readelf", {
  skip: !haveReadelf && "readelf (binutils) is not installed",
}, () => {
  const bin = compileWorkload("nofp-chain", "test/workloads", DEBUG_FRAME_ONLY);
  assert.ok(checkFile(bin, ".debug_frame") > 10);
});

test("the PLT's CFA expression: rsp + 8, plus 8 once past the push (GNU ld's rule)", () => {
  // DW_OP_breg7 (rsp) 8; DW_OP_breg16 (rip) 0; DW_OP_lit15; DW_OP_and; DW_OP_lit11; DW_OP_ge;
  // DW_OP_lit3; DW_OP_shl; DW_OP_plus
  const e = Buffer.from([0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22]);
  const regs = (ip: number) => {
    const r: (number | undefined)[] = new Array(17).fill(undefined);
    r[7] = 0x7ffc0000;
    r[16] = ip;
    return r;
  };
  const mem = { start: 0, bytes: Buffer.alloc(0) };
  assert.equal(evalExpr(e, regs(0x1020), mem), 0x7ffc0008); // jmp *GOT: nothing pushed yet
  assert.equal(evalExpr(e, regs(0x102b), mem), 0x7ffc0010); // after push $n
  assert.equal(evalExpr(Buffer.from([0x06]), regs(0), { start: 8, bytes: Buffer.alloc(16) }, 8), 0);
  assert.equal(evalExpr(Buffer.from([0x06]), regs(0), mem, 8), null); // outside the copy
});
