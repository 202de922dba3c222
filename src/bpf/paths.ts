// Where the compiled kernel objects are: build/bpf/ at the package root (scripts/build-bpf.sh),
// found from this module's location (dist/src/bpf/ when compiled). TSNAP_BPF_DIR overrides.
import { fileURLToPath } from "node:url";

export function bpfObjectPath(name: string): string {
  const dir = process.env.TSNAP_BPF_DIR ?? fileURLToPath(new URL("../../../build/bpf/", import.meta.url));
  return `${dir.replace(/\/$/, "")}/${name}.bpf.o`;
}
