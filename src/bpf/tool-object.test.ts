// loadToolObject on a real tool object (runqlat.bpf.o): loaded and attached, handed to
// `use`; a failure after load (a bad -c directory, `use` throwing) closes everything.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { InputError } from "../errors.js";
import { REPO_ROOT } from "../testkit/workloads.js";
import { configBytes } from "../tools/runqlat/runqlat-records.js";
import { liveCount } from "./handles.js";
import { hookPair, pairPrograms } from "./probes.js";
import { loadToolObject } from "./tool-object.js";

const skip =
  process.getuid?.() !== 0
    ? "needs root"
    : !existsSync(`${REPO_ROOT}/build/bpf/runqlat.bpf.o`)
      ? "build/bpf/runqlat.bpf.o not built (scripts/setup.sh)"
      : false;

const object = (cgroup?: string) => ({
  name: "runqlat",
  programs: pairPrograms(hookPair("runqlat", "tp_btf_sched"), ["runqlat_switch", "runqlat_wakeup"]),
  config: configBytes({ pid: 0, key: "none", ms: false, cgroup }),
  maxEntries: { hists: 4 },
  cgroup,
});

test("loaded, sized, attached, handed to use; one close releases it", { skip }, () => {
  const before = liveCount();
  const got = loadToolObject(object(), (col) => ({ col, size: col.mapMaxEntries("hists") }));
  assert.equal(got.size, 4);
  assert.ok(liveCount() > before, "the object and its links are open");
  got.col.close();
  assert.equal(liveCount(), before);
});

test("a failure after load closes everything: a bad -c directory, use throwing", { skip }, () => {
  const before = liveCount();
  assert.throws(
    () => loadToolObject(object("/nonexistent-cgroup")),
    (e: unknown) => e instanceof InputError && e.message === "-c: cannot open cgroup /nonexistent-cgroup",
  );
  assert.throws(
    () => loadToolObject(object("/proc")),
    (e: unknown) => e instanceof InputError && e.message === "-c: /proc is not a cgroup v2 directory",
  );
  assert.throws(
    () =>
      loadToolObject(object(), () => {
        throw new Error("reader failed");
      }),
    /reader failed/,
  );
  assert.equal(liveCount(), before);
});
