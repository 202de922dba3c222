#!/usr/bin/env bash
# Installs what tsnap needs on a Debian/Ubuntu machine and builds it. Idempotent and quick
# when nothing changed. Used by ./tsnap (first run) and by the tests (npm test, .ci/run).
#   scripts/setup.sh            install missing packages, build what is stale
#   scripts/setup.sh --quiet    say nothing when there is nothing to do
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1
say() { [ "$quiet" = 1 ] || echo "setup: $*" >&2; }
loud() { echo "setup: $*" >&2; }

# Debian packages: clang-19 + llvm-19 (compile the BPF programs), libbpf-dev (headers),
# bpftool (vmlinux.h), libbpf1 (runtime), gcc (test workloads), fio + stress-ng (test and
# benchmark workloads), procps (ps for tests), libbpf-tools (biolatency and runqlat: the
# references the latency-histogram tests compare with).
DEB_PACKAGES=(clang-19 llvm-19 libbpf-dev libbpf1 bpftool gcc libc6-dev fio stress-ng procps libbpf-tools)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  loud "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# npm packages (the versions in package-lock.json). Install scripts stay off: koffi and
# DuckDB ship prebuilt binaries inside their packages. Not `npm ci`: npm 11 rejects a lock
# file that lacks other platforms' optional binaries, which is how it writes them here.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  loud "installing npm packages"
  npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error >&2
fi

# TypeScript → dist/ when any source is newer than the last build.
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src test bench tsconfig.json package.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  say "compiling TypeScript"
  npx --no-install tsc -p tsconfig.json
  touch "$stamp"
fi

# BPF programs → build/bpf/*.bpf.o when sources changed (scripts/build-bpf.sh decides).
if [ -x scripts/build-bpf.sh ]; then
  scripts/build-bpf.sh $([ "$quiet" = 1 ] && echo --quiet)
fi
