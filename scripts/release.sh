#!/usr/bin/env bash
# The release build: one npm tarball and one Debian package from the tree, with the BPF
# programs compiled once here (CO-RE: libbpf relocates them on the target's kernel, so the
# target needs no clang, bpftool or headers) and nothing compiled or downloaded at install.
#   scripts/release.sh [OUTDIR]      default build/release
# Writes OUTDIR/tsnap-<version>.tgz (npm install -g ./tsnap-<version>.tgz) and
# OUTDIR/tsnap_<version>_<arch>.deb (apt install ./tsnap_..deb), both from OUTDIR/stage/package:
#   bin/tsnap.js, dist/ (compiled TypeScript without tests, test kit or release tooling),
#   src/ static files read at run time (if any; no .ts or .c),
#   build/bpf/*.bpf.o, docs/, man/man1/ (from each --help), completions/ (bash, zsh; from the
#   command registry and option specs), packaging/systemd/, release.json, and node_modules/
#   with the runtime dependencies only, bundled in the tarball (installing needs no network).
# Reuses dist/ and build/bpf/ (scripts/setup.sh builds what is stale); the layout is in
# ARCHITECTURE.md ("Release layout").
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "release: $*" >&2; exit 1; }
out=$(realpath -m "${1:-build/release}")

scripts/setup.sh --quiet
[ -f build/bpf/sampler.bpf.o ] || die "build/bpf/ has no BPF objects (this machine needs BTF and clang: scripts/setup.sh --bpf)"

version=$(node -p 'require("./package.json").version')
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit-dirty"
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
maintainer=${TSNAP_MAINTAINER:-tsnap authors <tsnap@users.noreply.github.com>}

stage=$out/stage/package
rm -rf "$out/stage" "$out/deb"
mkdir -p "$stage/bin" "$stage/dist" "$stage/build/bpf" "$stage/docs/tools" "$stage/packaging/systemd" "$stage/node_modules"

# What runs: the entry point, the compiled modules (not tests, the test kit, release tooling
# or source maps: the .ts sources are not shipped), the kernel objects (not vmlinux.h).
install -m 0755 bin/tsnap.js "$stage/bin/tsnap.js"
# Build-time generators (README command list, C header) stay out too; so do test objects.
(cd dist && find src -name '*.js' ! -name '*.test.js' ! -path 'src/testkit/*' ! -path 'src/release/*' \
  ! -name readme-commands.js ! -name gen-header.js -print0 | tar --null -T - -cf -) | tar -xf - -C "$stage/dist"
# Static files the code reads from the tree at run time, if any, at their own paths: every
# file under src/ that is not TypeScript, C, a header or a doc page.
find src -type f ! -name '*.ts' ! -name '*.c' ! -name '*.h' ! -name '*.md' -print0 | tar --null -T - -cf - | tar -xf - -C "$stage"
for obj in build/bpf/*.bpf.o; do
  [[ $(basename "$obj") == *-test.bpf.o ]] || cp "$obj" "$stage/build/bpf/"
done
# Docs: the README, docs/, each tool's page (docs/tools/<name>.md), the systemd unit.
cp README.md "$stage/"
cp -r docs/. "$stage/docs/"
for md in src/tools/*/*.md; do cp "$md" "$stage/docs/tools/"; done
cp packaging/systemd/tsnap-capture.service packaging/systemd/README.md "$stage/packaging/systemd/"
# Runtime dependencies (and theirs, this platform's binaries only), as npm installed them.
root=$(pwd)
npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | while read -r dir; do
  rel=${dir#"$root"/}
  mkdir -p "$stage/$(dirname "$rel")"
  cp -r "$dir" "$stage/$rel"
done
[ -d "$stage/node_modules/koffi" ] || die "npm ls listed no runtime dependencies"
# DuckDB's prebuilt libraries come with their symbol tables (11 MB): strip what loading
# does not need, as Debian's dh_strip would.
if command -v strip >/dev/null 2>&1; then
  find "$stage/node_modules" -name '*.node' -o -name '*.so' | while read -r so; do
    file -b "$so" 2>/dev/null | grep -q 'not stripped' || continue
    chmod u+w "$so" && strip --strip-unneeded "$so"
  done
fi
# Generated: package.json, release.json, man pages, completions.
node dist/src/release/gen-release-files.js "$stage" --commit "$commit" --date "$date"

# The Node.js it runs on (src/release/package-files.ts RUNTIME_NODE: Debian 12's own, 18.20),
# as npm's engines say it, for the .deb's Depends.
node_min=$(node -p "require('$stage/package.json').engines.node.replace(/^>=/, '')")

# npm tarball (npm pack: "files" and the bundled dependencies).
tgz=$(cd "$stage" && npm pack --pack-destination "$out" --silent 2>/dev/null | tail -n 1)
[ -f "$out/$tgz" ] || die "npm pack wrote no tarball"

# Debian package from the same files: the tarball's content under /usr/lib/tsnap.
deb=$out/deb
lib=$deb/usr/lib/tsnap
mkdir -p "$lib" "$deb/usr/bin" "$deb/usr/share/man/man1" "$deb/usr/share/doc/tsnap" \
  "$deb/usr/share/bash-completion/completions" "$deb/usr/share/zsh/vendor-completions" \
  "$deb/lib/systemd/system" "$deb/var/lib/tsnap" "$deb/DEBIAN"
tar -xzf "$out/$tgz" -C "$lib" --strip-components=1 --no-same-owner
chmod 0755 "$lib/bin/tsnap.js"
ln -s ../lib/tsnap/bin/tsnap.js "$deb/usr/bin/tsnap"
for page in "$lib"/man/man1/*.1; do gzip -9n -c "$page" > "$deb/usr/share/man/man1/$(basename "$page").gz"; done
mv "$lib/completions/tsnap.bash" "$deb/usr/share/bash-completion/completions/tsnap"
mv "$lib/completions/_tsnap" "$deb/usr/share/zsh/vendor-completions/_tsnap"
rm -r "$lib/man" "$lib/completions"
# Debian is glibc: koffi's musl build is never loaded here.
rm -rf "$lib"/node_modules/@koromix/koffi-linux-*/musl_*
# The unit runs /usr/bin/tsnap; installed disabled (postinst does not enable it).
sed -e 's|^ExecStart=/usr/bin/env node /opt/tsnap/bin/tsnap.js |ExecStart=/usr/bin/tsnap |' \
  -e 's|^Documentation=.*|Documentation=man:tsnap-capture(1) file:///usr/lib/tsnap/packaging/systemd/README.md|' \
  -e 's|^# Adjust the path to where tsnap is installed.*|# /usr/bin/tsnap of the tsnap Debian package.|' \
  packaging/systemd/tsnap-capture.service > "$deb/lib/systemd/system/tsnap-capture.service"
grep -q '^ExecStart=/usr/bin/tsnap capture ' "$deb/lib/systemd/system/tsnap-capture.service" ||
  die "packaging/systemd/tsnap-capture.service: ExecStart is not the form this script rewrites"
chmod 0700 "$deb/var/lib/tsnap"
mkdir -p "$deb/usr/share/lintian/overrides"
cat > "$deb/usr/share/lintian/overrides/tsnap" <<'OVERRIDES'
# eBPF bytecode (CO-RE objects) that libbpf loads into the kernel, not code for the host CPU.
tsnap: binary-from-other-architecture [usr/lib/tsnap/build/bpf/*.bpf.o]
# The native add-ons (DuckDB, koffi) are loaded only by node, whose package depends on libc6.
tsnap: missing-dependency-on-libc *
# The captured history holds other users' file paths and syscall arguments: private.
tsnap: non-standard-dir-perm 0700 != 0755 [var/lib/tsnap/]
OVERRIDES
cat > "$deb/usr/share/doc/tsnap/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: tsnap

Files: *
Copyright: tsnap authors
License: Apache-2.0
 On Debian systems the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.
COPYRIGHT
printf 'tsnap (%s) unstable; urgency=low\n\n  * Release %s (commit %s).\n\n -- %s  %s\n' \
  "$version" "$version" "$commit" "$maintainer" "$(date -u -R -d "$date")" | gzip -9n > "$deb/usr/share/doc/tsnap/changelog.gz"
cat > "$deb/DEBIAN/control" <<CONTROL
Package: tsnap
Version: $version
Architecture: $arch
Maintainer: ${maintainer}
Installed-Size: $(du -sk --exclude=DEBIAN "$deb" | cut -f1)
Depends: nodejs (>= $node_min)
Recommends: libbpf1
Section: admin
Priority: optional
Description: Linux thread snapper: what every thread is doing and waiting on
 Samples the state of all threads (on and off CPU) over /proc and eBPF and
 counts them as average active threads; always-on capture to hourly
 Parquet/CSV files (systemd unit tsnap-capture, installed disabled) and
 history queries; bcc-style tools (profile, offcputime, syscount, ...).
 The eBPF programs are prebuilt CO-RE objects: nothing is compiled on this
 machine. The bpf source needs libbpf1 and a kernel with BTF.
CONTROL
cat > "$deb/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
# The unit stays disabled: enable it with `systemctl enable --now tsnap-capture`.
set -e
if [ "$1" = configure ]; then
  chmod 0700 /var/lib/tsnap
  if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
fi
SCRIPT
cat > "$deb/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl disable --now tsnap-capture.service >/dev/null 2>&1 || true
fi
SCRIPT
cat > "$deb/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
# purge also deletes the captured history in /var/lib/tsnap.
set -e
if [ "$1" = purge ]; then rm -rf /var/lib/tsnap; fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
SCRIPT
chmod 0755 "$deb/DEBIAN/postinst" "$deb/DEBIAN/prerm" "$deb/DEBIAN/postrm"
debfile="$out/tsnap_${version}_${arch}.deb"
# gzip: lintian accepts only gzip or xz members; xz -1 is 20% smaller but 3 times slower.
dpkg-deb --root-owner-group -Zgzip -z6 --build "$deb" "$debfile" >/dev/null
echo "$out/$tgz"
echo "$debfile"
