// Loads filetop.bpf.o with its config and attaches the entry and exit tracepoints of the
// read and write system calls this kernel has (fs-ops.ts); each take reads and deletes
// the `files` map (a batch lookup-and-delete: nothing counted meanwhile is lost). The only
// module of the tool that touches libbpf, imported when the command runs.
import { arrayU64, mapTakeChunks } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { openTracefs } from "../../platform/tracefs.js";
import { FS_SYSCALLS, fsopPrograms, syscallsTraced } from "../fs-ops.js";
import type { TopSource } from "../top-tool.js";
import { configBytes, decodeRow, type FileIo, type FiletopConfig, KEY, VALUE } from "./filetop-records.js";

/** The syscalls filetop counts: reads and writes (not opens, not fsyncs). */
const RW = FS_SYSCALLS.filter((s) => /read|write/.test(s));

/** Each take: the calls per (thread, file) since the previous one (or attach). */
export function loadFiletop(config: FiletopConfig): TopSource<FileIo> {
  const syscalls = syscallsTraced(RW, openTracefs().events("syscalls"));
  const object = {
    name: "filetop",
    programs: fsopPrograms("filetop", syscalls),
    config: configBytes(config),
  };
  return loadToolObject(object, (col) => {
    const fd = col.mapFd("files");
    const lost = col.mapFd("lost");
    const chunk = 256;
    const keys = Buffer.alloc(KEY.size * chunk);
    const values = Buffer.alloc(VALUE.size * chunk);
    return {
      take() {
        const rows: FileIo[] = [];
        mapTakeChunks(fd, KEY.size, VALUE.size, keys, values, chunk, (n) => {
          for (let i = 0; i < n; i++)
            rows.push(
              decodeRow(
                keys.subarray(i * KEY.size, (i + 1) * KEY.size),
                values.subarray(i * VALUE.size, (i + 1) * VALUE.size),
              ),
            );
        });
        return rows;
      },
      lost: () => ({ start: arrayU64(lost, 0), files: arrayU64(lost, 1) }),
      close: () => col.close(),
    };
  });
}
