// Loads fsdist.bpf.o with its config and attaches the entry and exit tracepoints of the
// file syscalls this kernel has (fs-ops.ts); reads the histograms. The only module of
// the tool that touches libbpf, imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { openTracefs } from "../../platform/tracefs.js";
import { FS_OPS, FS_SYSCALLS, fsopPrograms, syscallsTraced } from "../fs-ops.js";
import { histMapSource } from "../hist-source.js";
import type { HistEntry, HistSource } from "../hist-tool.js";
import { configBytes, decodeKey, type FsdistConfig, KEY } from "./fsdist-records.js";

export function loadFsdist(config: FsdistConfig): HistSource {
  const syscalls = syscallsTraced(FS_SYSCALLS, openTracefs().events("syscalls"));
  const object = { name: "fsdist", programs: fsopPrograms("fsdist", syscalls), config: configBytes(config) };
  return loadToolObject(object, (col) =>
    histMapSource(col, KEY.size, (key, value): HistEntry => {
      const { op, fstype } = decodeKey(key);
      // With -t, libbpf-tools' lines; without, every type's histograms, each named.
      const head = `operation = '${op}'${config.fsType ? "" : ` fstype = '${fstype}'`}\n`;
      return {
        key,
        value,
        order: FS_OPS.indexOf(op as never),
        head,
        tail: "\n",
        fields: { operation: op, fstype },
      };
    }),
  );
}
