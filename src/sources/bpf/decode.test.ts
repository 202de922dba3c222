import assert from "node:assert/strict";
import { test } from "node:test";
import type { IoEnd, SyscallEnd } from "../../model/sample.js";
import { refineDState } from "../../model/sample.js";
import { csvLine, iorqendRecord } from "../../store/csv-row.js";
import { recordFits } from "../../store/csv-scan.js";
import { decodeCompletion, decodeStack, splitStream, taskState } from "./decode.js";
import {
  IORQ_END_REC,
  REC_IORQ_END,
  REC_ROUND_END,
  REC_STACK,
  REC_SYSC_END,
  REC_TASK,
  ROUND_END_REC,
  STACK_REC,
  SYSC_END_REC,
  TASK_REC,
} from "./records.js";

test("task states: RUN vs RUNQ by on_cpu, D vs IDLE by NOLOAD, exit states first", () => {
  assert.equal(taskState(0, 0, 1), "RUN");
  assert.equal(taskState(0, 0, 0), "RUNQ");
  assert.equal(taskState(0x1, 0, 0), "SLEEP");
  assert.equal(taskState(0x2, 0, 0), "DISK");
  assert.equal(taskState(0x402, 0, 0), "IDLE"); // TASK_IDLE = UNINTERRUPTIBLE | NOLOAD
  assert.equal(taskState(0x102, 0, 0), "DISK"); // TASK_KILLABLE = UNINTERRUPTIBLE | WAKEKILL
  assert.equal(taskState(0x4, 0, 0), "STOPPED");
  assert.equal(taskState(0x8, 0, 0), "TRACED");
  assert.equal(taskState(0x40, 0, 0), "PARKED");
  assert.equal(taskState(0x80, 0x20, 0), "ZOMBIE");
  assert.equal(taskState(0x80, 0x10, 0), "DEAD");
});

test("task states: every state bit of include/linux/sched.h has a name, modifiers keep it", () => {
  // A vfork parent waits TASK_KILLABLE | TASK_FREEZABLE: by its bits alone it is D.
  assert.equal(taskState(0x2102, 0, 0), "DISK");
  assert.equal(taskState(0x2001, 0, 0), "SLEEP"); // TASK_FREEZABLE sleeper
  assert.equal(taskState(0x104, 0, 0), "STOPPED"); // TASK_STOPPED = WAKEKILL | __TASK_STOPPED
  assert.equal(taskState(0x80, 0, 0), "DEAD");
  assert.equal(taskState(0x200, 0, 0), "WAKING");
  assert.equal(taskState(0x800, 0, 0), "NEW");
  assert.equal(taskState(0x1000, 0, 0), "RTLOCK");
  assert.equal(taskState(0x8000, 0, 0), "FROZEN");
  // A combination the kernel does not define is shown raw, as 0x.tools does.
  assert.equal(taskState(0x3, 0, 0), "0x3");
  assert.equal(taskState(0x10000, 0, 0), "0x10000");
});

test("D refined by syscall: vfork, clone(CLONE_VFORK) and clone3 waits are VFORK", () => {
  assert.equal(refineDState("DISK", "vfork", null), "VFORK");
  assert.equal(refineDState("DISK", "clone", 0x4111n), "VFORK"); // CLONE_VM|CLONE_VFORK|SIGCHLD
  assert.equal(refineDState("DISK", "clone", 0x1200011n), "DISK"); // fork()'s flags
  assert.equal(refineDState("DISK", "clone3", 0n), "VFORK");
  assert.equal(refineDState("DISK", "pread64", 3n), "DISK");
  assert.equal(refineDState("SLEEP", "vfork", null), "SLEEP");
});

function record(kind: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(kind, 0);
  b.writeUInt32LE(size, 4);
  return b;
}

test("splitStream finds records by kind and size, skips unknown kinds, reads the round end", () => {
  const task = record(REC_TASK, TASK_REC.size);
  const stack = record(REC_STACK, STACK_REC.size);
  const unknown = record(99, 16);
  const end = record(REC_ROUND_END, ROUND_END_REC.size);
  end.writeUInt32LE(1234, ROUND_END_REC.off.visited);
  const buf = Buffer.concat([task, stack, unknown, task, end]);
  const s = splitStream(buf, buf.length);
  assert.deepEqual(s.tasks, [0, TASK_REC.size + STACK_REC.size + 16]);
  assert.deepEqual(s.stacks, [TASK_REC.size]);
  assert.equal(s.visited, 1234);
  // A truncated stream (no round end) still yields the whole records before the cut.
  const cut = splitStream(buf, TASK_REC.size + 10);
  assert.deepEqual(cut.tasks, [0]);
  assert.equal(cut.visited, null);
});

test("decodeStack reads hash, kind and frames", () => {
  const b = record(REC_STACK, STACK_REC.size);
  b.writeBigUInt64LE(0xfeedn, STACK_REC.off.hash);
  b.writeUInt32LE(1, STACK_REC.off.user);
  b.writeUInt32LE(2, STACK_REC.off.nframes);
  b.writeBigUInt64LE(0x401000n, STACK_REC.off.frames);
  b.writeBigUInt64LE(0x402000n, STACK_REC.off.frames + 8);
  assert.deepEqual(decodeStack(b, 0), { hash: 0xfeedn, user: true, addrs: [0x401000n, 0x402000n] });
});

test("completions: syscall end and I/O end with derived queued/service times", () => {
  const out: { syscallEnds: SyscallEnd[]; ioEnds: IoEnd[] } = { syscallEnds: [], ioEnds: [] };
  const toEpoch = (m: bigint) => m + 1_000_000_000_000n;
  const s = record(REC_SYSC_END, SYSC_END_REC.size);
  const S = SYSC_END_REC.off;
  s.writeUInt32LE(11, S.tid);
  s.writeUInt32LE(10, S.tgid);
  s.writeInt32LE(0, S.nr); // read on x86_64, aarch64's io_setup: only the number is checked below
  s.writeBigUInt64LE(7n, S.seq);
  s.writeBigUInt64LE(500n, S.enter_ns);
  s.writeBigUInt64LE(300_000_000n, S.duration_ns);
  s.writeBigInt64LE(-4n, S.ret);
  decodeCompletion(s, 0, s.length, toEpoch, out);
  assert.equal(out.syscallEnds.length, 1);
  const e = out.syscallEnds[0];
  assert.deepEqual([e.tid, e.tgid, e.sysc_seq_num, e.duration_ns, e.ret], [11, 10, 7, 300_000_000, -4n]);
  assert.equal(e.enter_time_ns, 1_000_000_000_500n);

  const io = record(REC_IORQ_END, IORQ_END_REC.size);
  const I = IORQ_END_REC.off;
  io.writeUInt32LE((254 << 20) | 16, I.dev);
  io.writeUInt32LE(65536, I.bytes);
  io.writeBigUInt64LE(1000n, I.insert_ns);
  io.writeBigUInt64LE(1500n, I.issue_ns);
  io.writeBigUInt64LE(4000n, I.complete_ns);
  decodeCompletion(io, 0, io.length, toEpoch, out);
  const d = out.ioEnds[0];
  assert.deepEqual([d.dev_maj, d.dev_min, d.bytes], [254, 16, 65536]);
  assert.deepEqual([d.duration_ns, d.queued_ns, d.service_ns], [3000, 500, 2500]);
  // A record shorter than its layout is ignored.
  decodeCompletion(io, 0, 20, toEpoch, out);
  assert.equal(out.ioEnds.length, 1);
});

test("a flush (the kernel's sector is all ones) is written with a NULL sector, on a line the reader accepts", () => {
  // A real soak wrote such lines with sector 18446744073709551615, beyond BIGINT: the
  // conversion then set them aside as damaged (3 of 856 rows in one hour).
  const io = record(REC_IORQ_END, IORQ_END_REC.size);
  const I = IORQ_END_REC.off;
  io.writeUInt32LE(254 << 20, I.dev);
  io.writeBigUInt64LE(0xffff_ffff_ffff_ffffn, I.sector);
  io.writeUInt32LE(0x40002, I.cmd_flags); // REQ_OP_FLUSH, as the soak recorded
  io.writeBigUInt64LE(1000n, I.insert_ns);
  io.writeBigUInt64LE(50_644_078n, I.complete_ns);
  const out: { syscallEnds: SyscallEnd[]; ioEnds: IoEnd[] } = { syscallEnds: [], ioEnds: [] };
  decodeCompletion(io, 0, io.length, (ns) => ns, out);
  const flush = out.ioEnds[0];
  assert.equal(flush.sector, null);
  assert.equal(flush.duration_ns, 50_643_078);
  const line = csvLine("iorqend", iorqendRecord(flush));
  assert.equal(line.split(",")[9], "", "the sector field is empty (NULL)");
  assert.equal(recordFits("iorqend", line.slice(0, -1)), true);
  // The line the capture wrote before: the reader rejects it.
  const before = line.split(",");
  before[9] = "18446744073709551615";
  assert.equal(recordFits("iorqend", before.join(",").slice(0, -1)), false);
  // An ordinary request keeps its sector.
  io.writeBigUInt64LE(71_570_432n, I.sector);
  decodeCompletion(io, 0, io.length, (ns) => ns, out);
  assert.equal(out.ioEnds[1].sector, 71_570_432n);
  assert.equal(recordFits("iorqend", csvLine("iorqend", iorqendRecord(out.ioEnds[1])).slice(0, -1)), true);
});
