// `tsnap --version`: the version, the git commit, and where the BPF objects come from.
import { existsSync } from "node:fs";
import { installation } from "../platform/installation.js";
import { VERSION } from "../platform/version.js";

export { VERSION };

/**
 * One line: `tsnap 0.1.0 (commit 42212bd, BPF objects: prebuilt in the package)`. The
 * objects' module loads only here (`tsnap --help` loads nothing of bpf/).
 */
export async function versionText(): Promise<string> {
  const { bpfObjectPath } = await import("../bpf/paths.js");
  const inst = installation();
  const sampler = bpfObjectPath("sampler");
  const objects = process.env.TSNAP_BPF_DIR
    ? `from TSNAP_BPF_DIR=${process.env.TSNAP_BPF_DIR}`
    : !existsSync(sampler)
      ? inst.kind === "package"
        ? "MISSING from the package (reinstall it)"
        : "not built (run scripts/setup.sh)"
      : inst.kind === "package"
        ? "prebuilt in the package"
        : "built locally in build/bpf";
  return `tsnap ${VERSION} (commit ${inst.commit}, BPF objects: ${objects})`;
}
