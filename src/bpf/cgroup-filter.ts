// The `-c CGROUP` filter of bcc's tools: a cgroup v2 directory's fd put in a one-slot
// BPF_MAP_TYPE_CGROUP_ARRAY, which the BPF side checks with bpf_current_task_under_cgroup
// (the task running when the event fires, as libbpf-tools does). The map keeps its own
// reference; the directory's fd is closed here.
import { closeSync, openSync } from "node:fs";
import { InputError } from "../errors.js";
import { mapUpdate } from "./maps.js";

export function setCgroupFilter(mapFd: number, path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new InputError(`-c: cannot open cgroup ${path}`, { cause: err });
  }
  try {
    mapUpdate(mapFd, Buffer.alloc(4), Buffer.from(new Uint32Array([fd]).buffer));
  } catch (err) {
    throw new InputError(`-c: ${path} is not a cgroup v2 directory`, { cause: err });
  } finally {
    closeSync(fd);
  }
}
