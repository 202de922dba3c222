#!/usr/bin/env bash
# Installs what tsnap needs on a Debian/Ubuntu machine and builds it. Idempotent and quick
# when nothing changed. Used by ./tsnap (first run) and by the tests (npm test, .ci/run).
#   scripts/setup.sh            install missing packages, build what is stale
#   scripts/setup.sh --quiet    say nothing when there is nothing to do
#   scripts/setup.sh --tests    also the packages the tests and benchmarks need (and chDB, ~560 MB)
#   scripts/setup.sh --no-bpf   proc source only: no eBPF compiler, headers or build
#                               (remembered in build/no-bpf; --bpf undoes it). The
#                               environment variable TSNAP_NO_BPF=1 does the same once.
# Before it installs anything it says which packages, why, and how to skip the eBPF ones.
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=0 tests=0
for a in "$@"; do
  case "$a" in
    --quiet) quiet=1 ;;
    --tests) tests=1 ;;
    --no-bpf) mkdir -p build && touch build/no-bpf ;;
    --bpf) rm -f build/no-bpf ;;
    *) echo "setup: unknown option '$a' (--quiet, --tests, --no-bpf, --bpf)" >&2; exit 2 ;;
  esac
done
bpf=1
{ [ -f build/no-bpf ] || [ "${TSNAP_NO_BPF:-0}" = 1 ]; } && bpf=0
say() { [ "$quiet" = 1 ] || echo "setup: $*" >&2; }
loud() { echo "setup: $*" >&2; }

# Debian packages, by what they are for.
# eBPF: compile and load the programs. Tests: workloads (gcc, g++, fio, stress-ng), ps, and
# libbpf-tools (biolatency, runqlat, syscount, offcputime: references the tests compare with),
# linux-perf (perf record/script: profile's reference), chromium (the flame graph SVG in a browser),
# sysstat (mpstat, iostat -x and sar -n DEV: check's references), iproute2 and nftables
# (check's network tests: namespaces, veth links, packet loss where netem is not built in),
# man-db, zsh and lintian (the release test renders the man pages, loads the zsh completion
# and checks the .deb),
# tmux (tsnap ui in a real terminal), bpftrace (the generic tracers' reference),
# systemtap-sdt-dev (sys/sdt.h: the USDT test workload), openjdk-17-jre-headless (javagc's
# test: a JVM with HotSpot's USDT probes; ~44 MB download, ~190 MB installed; its module
# image holds the compiler the source launcher runs, so no JDK).
BPF_PACKAGES=(clang-19 llvm-19 libbpf-dev libbpf1 bpftool)
TEST_PACKAGES=(gcc g++ libc6-dev fio stress-ng procps libbpf-tools linux-perf chromium sysstat iproute2 nftables man-db zsh lintian tmux bpftrace systemtap-sdt-dev openjdk-17-jre-headless)
wanted=()
[ "$bpf" = 1 ] && wanted+=("${BPF_PACKAGES[@]}")
[ "$tests" = 1 ] && wanted+=("${TEST_PACKAGES[@]}")
missing=()
if [ "${#wanted[@]}" -gt 0 ] && command -v dpkg-query >/dev/null 2>&1; then
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  bpf_missing=() test_missing=()
  for p in "${missing[@]}"; do
    if [[ " ${BPF_PACKAGES[*]} " == *" $p "* ]]; then bpf_missing+=("$p"); else test_missing+=("$p"); fi
  done
  loud "about to install Debian packages with ${SUDO:+sudo }apt-get (once; later runs skip this):"
  [ "${#bpf_missing[@]}" -gt 0 ] && loud "  for the eBPF source (compiler, libbpf, bpftool): ${bpf_missing[*]}"
  [ "${#test_missing[@]}" -gt 0 ] && loud "  for the tests and benchmarks: ${test_missing[*]}"
  [ "${#bpf_missing[@]}" -gt 0 ] &&
    loud "  not wanted on this machine? scripts/setup.sh --no-bpf (proc source only), then run tsnap again"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Debian's own nodejs (18 on Debian 12), unpacked into build/debian-node/ and not installed:
# the release test runs the .deb's files on it, the oldest Node its Depends line admits.
if [ "$tests" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-cache >/dev/null 2>&1 &&
  [ ! -x build/debian-node/bin/node ]; then
  say "unpacking Debian's nodejs into build/debian-node (the release test's oldest Node)"
  scripts/debian-node.sh build/debian-node || loud "no Debian nodejs for the release test (it will skip, saying why)"
fi

# npm packages (the versions in package-lock.json). Install scripts stay off: koffi and
# DuckDB ship prebuilt binaries inside their packages. Not `npm ci`: npm 11 rejects a lock
# file that lacks other platforms' optional binaries, which is how it writes them here.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  loud "installing npm packages"
  npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error >&2
fi

# chDB (embedded ClickHouse for `tsnap fleet`, ~560 MB): not in the default install, so that
# `./tsnap top` stays quick to set up; the tests (--tests) install it into build/chdb/ at the
# version scripts/chdb/package-lock.json pins. `tsnap fleet` without it says how to get it.
if [ "$tests" = 1 ] && { [ ! -d build/chdb/node_modules/chdb ] || [ scripts/chdb/package-lock.json -nt build/chdb/node_modules/.package-lock.json ]; }; then
  loud "installing chDB for tsnap fleet and its tests (~560 MB, into build/chdb/)"
  mkdir -p build/chdb
  cp scripts/chdb/package.json scripts/chdb/package-lock.json build/chdb/
  npm install --prefix build/chdb --no-audit --no-fund --ignore-scripts --loglevel=error >&2
fi

# The tool list (src/tools/index.ts, generated from the folders of src/tools/), then
# TypeScript → dist/ when any source is newer than the last build. Compiled files whose
# source is gone (a moved or deleted module) are removed, so no stale test runs; the
# README's command list is rewritten from the registry when it differs.
scripts/gen-tools-index.sh
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src test bench tsconfig.json package.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  say "compiling TypeScript"
  npx --no-install tsc -p tsconfig.json
  for js in $(find dist/src dist/test dist/bench -name '*.js' 2>/dev/null); do
    ts=${js#dist/}
    [ -f "${ts%.js}.ts" ] || rm -f "$js" "$js.map"
  done
  find dist -type d -empty -delete 2>/dev/null || true
  node dist/src/cli/readme-commands.js --write
  touch "$stamp"
fi

# BPF programs → build/bpf/*.bpf.o when sources changed (scripts/build-bpf.sh decides).
if [ "$bpf" = 0 ]; then
  say "eBPF build skipped (--no-bpf): tsnap uses the proc source"
elif [ -x scripts/build-bpf.sh ]; then
  scripts/build-bpf.sh $([ "$quiet" = 1 ] && echo --quiet)
fi
