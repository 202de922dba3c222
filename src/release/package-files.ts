// The release package's own package.json and release.json (pure): what `npm pack` packs
// and `npm install -g` installs. Runtime dependencies only, bundled (the tarball carries
// them, so installing needs no network); "files" lists exactly the staged folders.

export interface RepoPackageJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
  type?: string;
  private?: boolean;
  bin: Record<string, string>;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}

/**
 * The Node.js the released package runs on, for npm's "engines" and the .deb's `Depends:
 * nodejs (>= ...)`: Debian 12's own nodejs (18.20), which release.test.ts runs the
 * package's files with (scripts/debian-node.sh). The clone's developer path (tests,
 * benchmarks, the build) wants Node 20 (package.json's engines).
 */
export const RUNTIME_NODE = "18.20";

/** The folders and files scripts/release.sh stages, all of which the package ships. */
export const RELEASE_FILES = [
  "bin/",
  "dist/",
  "src/",
  "build/bpf/",
  "docs/",
  "man/",
  "completions/",
  "packaging/",
  "release.json",
] as const;

export function releasePackageJson(
  repo: RepoPackageJson,
  manPages: readonly string[],
): Record<string, unknown> {
  const dependencies = repo.dependencies ?? {};
  return {
    name: repo.name,
    version: repo.version,
    description: repo.description,
    license: repo.license,
    type: repo.type,
    ...(repo.private ? { private: true } : {}),
    bin: repo.bin,
    man: manPages.map((p) => `./${p}`),
    engines: { node: `>=${RUNTIME_NODE}` },
    files: [...RELEASE_FILES],
    dependencies,
    bundleDependencies: Object.keys(dependencies).sort(),
  };
}

export function releaseInfo(version: string, commit: string, bpfObjects: readonly string[]) {
  return { version, commit, bpfObjects: [...bpfObjects].sort() };
}
