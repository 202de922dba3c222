// tsnap's version (package.json's; release/gen-release-files.ts checks they agree). Here, in
// the lowest layer, because the BPF probe cache keys on it as well as `tsnap --version`.
export const VERSION = "0.1.0";
