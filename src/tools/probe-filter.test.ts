// The filter grammar and its bytecode: expressions evaluated by the compiled machine
// (runFilter, the kernel's machine written again) against what gcc computes for the same C
// expressions over the same values; hostile input is one UsageError naming the column.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { parseExpr } from "./probe-expr.js";
import { compileFilter, MAX_INSNS, runFilter } from "./probe-filter.js";

// The values' C types: s (long), i (int, sign-extended), u (unsigned long), c (unsigned char).
const VARS = { s: { slot: 0, signed: true }, i: { slot: 1, signed: true }, u: { slot: 2, signed: false } };
const VALUES: [bigint, bigint, bigint][] = [
  [0n, 0n, 0n],
  [5n, -3n, 4097n],
  [-7n, 2n, 18446744073709551615n],
  [4096n, -1n, 1n],
  [1n << 40n, 7n, 4096n],
];
const EXPRS = [
  "s == 5",
  "s > 4096",
  "s >= 4096 && i < 0",
  "u > 4096",
  "u > 4096 || s < 0",
  "1 + 2 * 3 == 7",
  "1 | 2 == 2",
  "(1 | 2) == 3",
  "s * 3 - i > 10",
  "s / 2 == 2",
  "s / -2 == -3",
  "s % 3 == -1",
  "i % 2",
  "u / 3 > 1000",
  "u % 1000 == 95",
  "-s > 0",
  "!s",
  "!(s && i)",
  "~i == 0",
  "(s & 0xff) == 0",
  "s ^ 5",
  "1 << 3 == 8",
  "s >> 2 == 1",
  "i >> 1 == -1",
  "u >> 63",
  "s < i",
  "u < s",
  "i <= -1 && s != 0",
  "010 == 8",
  "s + i + u == 2",
];

test("the compiled filters agree with gcc on the same C expressions and values", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-filter-"));
  try {
    const rows = VALUES.map(([s, i, u]) =>
      EXPRS.map(
        (e) =>
          `{ long s = ${s}L; int i = ${i}; unsigned long u = ${u}UL; (void)s; (void)i; (void)u; printf("%d", (${e}) ? 1 : 0); }`,
      ).join("\n"),
    );
    const src = `#include <stdio.h>\nint main(void) {\n${rows.join("\nputchar(10);\n")}\nputchar(10);\nreturn 0; }\n`;
    writeFileSync(join(dir, "t.c"), src);
    execFileSync("cc", ["-w", "-o", join(dir, "t"), join(dir, "t.c")]);
    const gcc = execFileSync(join(dir, "t"), { encoding: "utf8" }).trim().split("\n");
    VALUES.forEach((vals, r) => {
      const ours = EXPRS.map((e) => {
        const code = compileFilter(
          parseExpr(e),
          (name) => {
            const v = VARS[name as keyof typeof VARS];
            if (!v) throw new Error(name);
            return v;
          },
          e,
        );
        return runFilter(code, [vals[0], BigInt.asUintN(64, vals[1]), BigInt.asUintN(64, vals[2])], [])
          ? "1"
          : "0";
      }).join("");
      for (let k = 0; k < EXPRS.length; k++)
        assert.equal(ours[k], gcc[r][k], `${EXPRS[k]} with s=${vals[0]} i=${vals[1]} u=${vals[2]}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("strings compare by == and != with a value read as a string", () => {
  const asked: [string, boolean][] = [];
  const code = compileFilter(
    parseExpr('name == "beta" || "x\\"y" != other'),
    (name, _at, asString) => {
      asked.push([name, asString]);
      return { slot: name === "name" ? 0 : 1, signed: false };
    },
    "",
  );
  assert.deepEqual(asked, [
    ["name", true],
    ["other", true],
  ]);
  assert.deepEqual(code.consts, ["beta", 'x"y']);
  assert.equal(runFilter(code, [], ["beta", 'x"y']), true);
  assert.equal(runFilter(code, [], ["gamma", 'x"y']), false);
  assert.equal(runFilter(code, [], ["gamma", "z"]), true);
});

test("hostile input: one UsageError naming the column, bounded work", () => {
  const resolve = () => ({ slot: 0, signed: true });
  const bad: [string, RegExp][] = [
    ["", /empty expression/],
    ["arg1 >", /ends too early at column 7/],
    ["arg1 > > 2", /unexpected '>' at column 8/],
    ["(arg1 > 2", /expected '\)' at column 10/],
    ["arg1 > 2)", /unbalanced '\)' at column 9/],
    ["arg1 2", /expected an operator at column 6/],
    ["arg1 = 2", /unexpected '=' at column 6/],
    ["arg1 @ 2", /unexpected '@'/],
    ['arg1 == "abc', /unterminated string at column 9/],
    [`arg1 == "${"x".repeat(64)}"`, /longer than 63 bytes/],
    ["99999999999999999999999", /larger than 64 bits/],
    ["09", /bad octal/],
    ["12abc", /bad number/],
    ['"a" + 1', /stands only beside == or !=/],
    ['arg1 + 1 == "a"', /compares with a value's name only/],
    ["arg1\n", /control character/],
    ["(".repeat(40) + "1" + ")".repeat(40), /nested deeper than 32/],
    [Array(70).fill("1").join("+"), /more than 64 terms/],
    ["x".repeat(2000), /longer than 1024/],
  ];
  for (const [text, re] of bad)
    assert.throws(
      () => compileFilter(parseExpr(text), resolve, text),
      (e: unknown) => e instanceof UsageError && re.test(e.message) && !e.message.includes("\n"),
      text,
    );
  // Within the grammar's bounds but past the machine's: steps, stack depth, string constants.
  const long = Array(20).fill("arg1").join(" + ");
  assert.throws(() => compileFilter(parseExpr(long), resolve, long), /more than 31 steps/);
  const deep = "1 + (1 + (1 + (1 + (1 + (1 + (1 + (1 + (1 + 1))))))))";
  assert.throws(() => compileFilter(parseExpr(deep), resolve, deep), /more than 8 values at once/);
  const strs = ['a == "1"', 'a == "2"', 'a == "3"', 'a == "4"', 'a == "5"'].join(" || ");
  assert.throws(() => compileFilter(parseExpr(strs), resolve, strs), /more than 4 strings/);
  assert.ok(compileFilter(parseExpr("arg1 > 2"), resolve, "").insns.length < MAX_INSNS);
});
