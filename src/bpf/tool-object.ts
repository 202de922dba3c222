// Loading a tool's BPF object, the one sequence every tool runs: open
// build/bpf/<name>.bpf.o, keep only the programs picked (autoload; the hook variant was
// probed first, bpf/probes.ts), write its `const volatile` config, size its maps, one
// verifier load, bcc's -c cgroup filter, then attach in the order given. Any failure
// closes everything, and a refused privilege is said as such (PermissionError).
import { PermissionError } from "../errors.js";
import { setCgroupFilter } from "./cgroup-filter.js";
import { Collection } from "./collection.js";
import { BpfError } from "./object.js";
import { bpfObjectPath } from "./paths.js";
import { BPF_PRIVILEGE } from "./privilege.js";

export interface ToolObject {
  /** The object's name (build/bpf/<name>.bpf.o), also the tool's in error messages. */
  name: string;
  /** The only programs loaded; attached in this order unless `attach` says otherwise. */
  programs: readonly string[];
  /** The bytes of its `const volatile` config (.rodata); empty when it has none. */
  config: Buffer;
  /** Map sizes set before load, by map name. */
  maxEntries?: Readonly<Record<string, number>>;
  /** Anything else to set before load (ring sizes that depend on the machine). */
  beforeLoad?(col: Collection): void;
  /** A cgroup v2 directory put in the object's `cgroup_map` (CGROUP_FILTER_MAP; bcc's -c). */
  cgroup?: string;
  /** Attaches other than `programs` in order (perf events per CPU, ...). */
  attach?(col: Collection): void;
}

/**
 * Opens, configures, loads and attaches a tool's object, then hands the collection to
 * `use` (its result is returned: a reader that owns the collection's one close). On any
 * failure, up to and including `use`, the collection is closed.
 */
export function loadToolObject(o: ToolObject): Collection;
export function loadToolObject<T>(o: ToolObject, use: (col: Collection) => T): T;
export function loadToolObject<T>(o: ToolObject, use?: (col: Collection) => T): T | Collection {
  const col = Collection.open(bpfObjectPath(o.name));
  try {
    col.setAutoload(o.programs);
    if (o.config.length > 0) col.setReadOnlyConfig(o.config);
    for (const [map, n] of Object.entries(o.maxEntries ?? {})) col.setMaxEntries(map, n);
    o.beforeLoad?.(col);
    col.load();
    if (o.cgroup) setCgroupFilter(col.mapFd("cgroup_map"), o.cgroup);
    if (o.attach) o.attach(col);
    else for (const p of o.programs) col.attach(p);
    return use ? use(col) : col;
  } catch (err) {
    col.close();
    throw explainLoadError(o.name, err);
  }
}

/** EPERM/EACCES at load or attach is a missing privilege, said as such. */
export function explainLoadError(what: string, err: unknown): unknown {
  if (err instanceof BpfError && (err.errno === 1 || err.errno === 13))
    return new PermissionError(`${what} ${BPF_PRIVILEGE}: ${err.message}`, {
      cause: err,
    });
  return err;
}
