// The lazy symbol tables against binutils: every function nm lists in node's .symtab and
// python3's .dynsym is found at its address under one of the names nm lists there; a name
// is read from the file only when looked up, and a file replaced after it was closed is
// not read as the old one.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { elfSections } from "./elf.js";
import { readFileBounded } from "./elf-image.js";
import { functionIn, SymbolTable } from "./elf-symtab.js";
import { BufferBytes, FileBytes } from "./file-bytes.js";

/** nm's function symbols: address → the names listed there. */
function nmFunctions(path: string, dynamic: boolean): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  const args = [...(dynamic ? ["-D"] : []), "--defined-only", path];
  const text = execFileSync("nm", args, { encoding: "utf8", maxBuffer: 1 << 28 });
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+) [TtWwiI] (\S+?)(@.*)?$/.exec(line);
    if (!m) continue;
    const addr = Number.parseInt(m[1], 16);
    if (addr === 0) continue;
    const names = out.get(addr) ?? new Set<string>();
    names.add(m[2]);
    out.set(addr, names);
  }
  return out;
}

for (const [path, dynamic] of [
  [process.execPath, false],
  ["/usr/bin/python3", true],
] as const) {
  test(`every function nm lists in ${path} is found at its address, under a name nm lists there`, () => {
    const bytes = FileBytes.open(path);
    assert.ok(bytes, `${path} opens`);
    const head = readFileBounded(path);
    assert.ok(head, `${path} reads`);
    const table = SymbolTable.fromElf(bytes, elfSections(head));
    const nm = nmFunctions(path, dynamic);
    assert.ok(nm.size > 1000, `nm lists ${nm.size} functions`);
    let checked = 0;
    for (const [addr, names] of nm) {
      const f = functionIn([table], addr);
      // nm also lists STT_NOTYPE code labels (t) that are not functions: those may resolve elsewhere.
      if (!f || f.addr !== addr) continue;
      assert.ok(names.has(f.name), `0x${addr.toString(16)}: ${f.name} not in ${[...names].join(", ")}`);
      checked++;
    }
    assert.ok(checked >= 0.9 * nm.size, `${checked} of ${nm.size} addresses resolved to their own symbol`);
  });
}

test("aliases: a sized symbol over an unsized one, then the shorter name; outside every size: none", () => {
  // A hand-built ELF: .symtab (3 functions, 2 at one address) and its .strtab.
  const names = "\0__GI_read\0read\0later\0";
  const strtab = Buffer.from(names, "latin1");
  const sym = (name: string, value: number, size: number) => {
    const e = Buffer.alloc(24);
    e.writeUInt32LE(names.indexOf(`\0${name}\0`) + 1, 0);
    e[4] = 0x12; // GLOBAL FUNC
    e.writeBigUInt64LE(BigInt(value), 8);
    e.writeBigUInt64LE(BigInt(size), 16);
    return e;
  };
  const symtab = Buffer.concat([
    Buffer.alloc(24),
    sym("later", 0x2000, 0),
    sym("__GI_read", 0x1000, 0x40),
    sym("read", 0x1000, 0x40),
  ]);
  const file = Buffer.concat([symtab, strtab]);
  const sections = [
    { type: 2, addr: 0, offset: 0, size: symtab.length, link: 1, nameOff: 0 },
    { type: 3, addr: 0, offset: symtab.length, size: strtab.length, link: 0, nameOff: 0 },
  ];
  const t = SymbolTable.fromElf(new BufferBytes(file), sections);
  assert.deepEqual(functionIn([t], 0x1010), { name: "read", addr: 0x1000, size: 0x40 });
  assert.equal(functionIn([t], 0x1040), null, "past read's size, before later");
  assert.equal(functionIn([t], 0x2345)?.name, "later", "unsized: the nearest below");
  assert.equal(functionIn([t], 0xfff), null);
});

test("a file closed and replaced is not read as the old one", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-filebytes-"));
  try {
    const p = join(dir, "f");
    writeFileSync(p, "old bytes");
    const f = FileBytes.open(p);
    assert.ok(f);
    assert.equal(f.read(0, 3).toString(), "old");
    f.close();
    assert.equal(f.read(4, 5).toString(), "bytes", "opened again: the same file");
    f.close();
    rmSync(p);
    writeFileSync(p, "new bytes, longer");
    assert.equal(f.read(0, 3).length, 0, "another file at the path: nothing");
    assert.equal(readFileSync(p, "latin1").slice(0, 3), "new");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
