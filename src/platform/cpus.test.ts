// CPU lists as the kernel writes them: parsed and written back, against fixtures and this
// machine's own /sys/devices/system/cpu/{online,possible}.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { formatCpuList, parseCpuList } from "./cpus.js";

test("parseCpuList and formatCpuList: ranges, single CPUs, gaps", () => {
  assert.deepEqual(parseCpuList("0-3,6\n"), [0, 1, 2, 3, 6]);
  assert.equal(formatCpuList([0, 1, 2, 3, 6]), "0-3,6");
  assert.equal(formatCpuList([0]), "0");
  assert.equal(formatCpuList([0, 2, 5]), "0,2,5");
  assert.equal(formatCpuList([1, 2, 4, 5, 6, 9]), "1-2,4-6,9");
  assert.equal(formatCpuList([]), "");
});

test("the kernel's own lists are written back as the kernel wrote them", () => {
  for (const f of ["online", "possible"]) {
    const text = readFileSync(`/sys/devices/system/cpu/${f}`, "utf8").trim();
    assert.equal(formatCpuList(parseCpuList(text)), text, f);
  }
});
