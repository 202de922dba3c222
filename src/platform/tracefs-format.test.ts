// Fixtures in test/fixtures/tracefs/ are format files copied from this machine's tracefs
// (kernel 6.18, x86_64); the expected values below were read off those files by hand.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fieldDeclaration, parseDeclaration, parseEventFormat, syscallArgs } from "./tracefs-format.js";

const FIXTURES = new URL("../../../test/fixtures/tracefs/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(`${name}.format`, FIXTURES), "utf8");

test("sys_enter_read: name, ID, common fields, three 8-byte arguments", () => {
  const f = parseEventFormat(fixture("syscalls-sys_enter_read"));
  assert.equal(f.name, "sys_enter_read");
  assert.equal(f.id, 842);
  assert.deepEqual(
    f.commonFields.map((c) => [c.name, c.offset, c.size, c.signed]),
    [
      ["common_type", 0, 2, false],
      ["common_flags", 2, 1, false],
      ["common_preempt_count", 3, 1, false],
      ["common_pid", 4, 4, true],
    ],
  );
  assert.deepEqual(
    syscallArgs(f).map((a) => ({ type: a.type, name: a.name, offset: a.offset, size: a.size })),
    [
      { type: "unsigned int", name: "fd", offset: 16, size: 8 },
      { type: "char *", name: "buf", offset: 24, size: 8 },
      { type: "size_t", name: "count", offset: 32, size: 8 },
    ],
  );
  assert.equal(f.fields[0].name, "__syscall_nr");
  assert.equal(f.fields[0].signed, true);
  assert.match(f.printFmt, /^"fd: 0x%08lx, buf: 0x%08lx, count: 0x%08lx", \(\(unsigned long\)\(REC->fd\)\)/);
});

test("sys_exit_read has one signed long ret; sys_enter_getpid has no arguments", () => {
  const exit = parseEventFormat(fixture("syscalls-sys_exit_read"));
  assert.deepEqual(
    syscallArgs(exit).map((a) => [a.type, a.name, a.signed]),
    [["long", "ret", true]],
  );
  const getpid = parseEventFormat(fixture("syscalls-sys_enter_getpid"));
  assert.equal(getpid.id, 309);
  assert.deepEqual(syscallArgs(getpid), []);
  assert.equal(getpid.printFmt, '""');
});

test("sys_enter_openat: const char * pointer type kept whole", () => {
  const f = parseEventFormat(fixture("syscalls-sys_enter_openat"));
  assert.deepEqual(syscallArgs(f).map(fieldDeclaration), [
    "int dfd",
    "const char * filename",
    "int flags",
    "umode_t mode",
  ]);
});

test("sched_switch: char arrays with lengths, pid_t signed", () => {
  const f = parseEventFormat(fixture("sched-sched_switch"));
  assert.equal(f.id, 372);
  assert.equal(f.fields.length, 7);
  const prevComm = f.fields[0];
  assert.deepEqual(
    {
      type: prevComm.type,
      name: prevComm.name,
      arrayLen: prevComm.arrayLen,
      offset: prevComm.offset,
      size: prevComm.size,
    },
    { type: "char", name: "prev_comm", arrayLen: 16, offset: 8, size: 16 },
  );
  assert.equal(fieldDeclaration(prevComm), "char prev_comm[16]");
  const nextPid = f.fields.find((x) => x.name === "next_pid");
  assert.deepEqual([nextPid?.type, nextPid?.offset, nextPid?.size, nextPid?.signed], ["pid_t", 56, 4, true]);
  // The print fmt is one long line with nested quotes and braces; it must come through whole.
  assert.ok(f.printFmt.startsWith('"prev_comm=%s prev_pid=%d'));
  assert.ok(f.printFmt.endsWith("REC->next_comm, REC->next_pid, REC->next_prio"));
});

test("block_rq_issue: __data_loc strings and odd offsets", () => {
  const f = parseEventFormat(fixture("block-block_rq_issue"));
  const cmd = f.fields.at(-1);
  assert.deepEqual(
    [cmd?.type, cmd?.name, cmd?.arrayLen, cmd?.offset, cmd?.size],
    ["__data_loc char[]", "cmd", null, 60, 4],
  );
  const rwbs = f.fields.find((x) => x.name === "rwbs");
  assert.deepEqual([rwbs?.arrayLen, rwbs?.offset, rwbs?.size], [10, 34, 10]);
});

test("ftrace function: flexible array args[] has length 0 and size 0", () => {
  const f = parseEventFormat(fixture("ftrace-function"));
  assert.equal(f.id, 1);
  const args = f.fields.at(-1);
  assert.deepEqual([args?.type, args?.name, args?.arrayLen, args?.size], ["unsigned long", "args", 0, 0]);
  assert.equal(fieldDeclaration(args!), "unsigned long args[]");
});

test("parseDeclaration splits type, name and array", () => {
  assert.deepEqual(parseDeclaration("struct pollfd * ufds"), {
    type: "struct pollfd *",
    name: "ufds",
    arrayLen: null,
  });
  assert.deepEqual(parseDeclaration("__u8 saddr_v6[16]"), { type: "__u8", name: "saddr_v6", arrayLen: 16 });
  assert.deepEqual(parseDeclaration("char *buf"), { type: "char *", name: "buf", arrayLen: null });
  assert.throws(() => parseDeclaration("lonely"), /bad field declaration/);
});

test("malformed input names the problem", () => {
  assert.throws(() => parseEventFormat("ID: 5\nformat:\n"), /no 'name:'/);
  assert.throws(() => parseEventFormat("name: x\nformat:\n"), /no 'ID:'/);
  assert.throws(() => parseEventFormat("name: x\nID: abc\n"), /line 2: bad ID/);
  assert.throws(
    () => parseEventFormat("name: x\nID: 1\nformat:\n\tfield:int a;\toffset:zz;\tsize:4;\tsigned:1;\n"),
    /line 4: bad field/,
  );
});
