// What kind of installation this tsnap is: a release package (npm tarball or .deb, made by
// scripts/release.sh, which writes release.json at the package root with the version, the
// commit and the prebuilt BPF objects) or a clone (objects built locally by scripts/setup.sh).
// Read lazily: only --version, doctor and error messages ask.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The package root: bin/, dist/, build/bpf/ (this module is dist/src/platform/installation.js). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");

/** What scripts/release.sh writes to release.json. */
export interface ReleaseInfo {
  version: string;
  /** Short git commit of the tree the release was built from ("unknown" outside git). */
  commit: string;
  /** The kernel objects shipped in build/bpf/ (names without .bpf.o). */
  bpfObjects: string[];
}

export interface Installation {
  kind: "package" | "clone";
  commit: string;
  release: ReleaseInfo | null;
}

let cached: Installation | null = null;

export function installation(root = PACKAGE_ROOT): Installation {
  if (cached && root === PACKAGE_ROOT) return cached;
  const file = `${root}/release.json`;
  let result: Installation;
  if (existsSync(file)) {
    const release = JSON.parse(readFileSync(file, "utf8")) as ReleaseInfo;
    result = { kind: "package", commit: release.commit, release };
  } else {
    result = { kind: "clone", commit: gitCommit(root), release: null };
  }
  if (root === PACKAGE_ROOT) cached = result;
  return result;
}

function gitCommit(root: string): string {
  try {
    return execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unknown";
  }
}

/**
 * What to do about a missing kernel object, for the one-line error: a package ships its
 * objects prebuilt (nothing is compiled on the target), a clone builds them with set-up.
 */
export function missingObjectAdvice(): string {
  return installation().kind === "package"
    ? "this installation's prebuilt BPF objects are incomplete: reinstall the tsnap package (or use --source proc)"
    : "run scripts/setup.sh to build the BPF objects";
}
