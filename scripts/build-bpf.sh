#!/usr/bin/env bash
# Compiles every kernel program of the tree (src/**/*.bpf.c: the engine's in src/bpf/kernel/,
# each tool's in src/tools/<name>/) into CO-RE objects build/bpf/<name>.bpf.o, with
# vmlinux.h generated from this machine's BTF. Headers are found in the source's own folder
# and in src/bpf/kernel/ (and its lib/). Rebuilds only what is older than its sources (the
# .bpf.c, any header under src/, vmlinux.h, this script); two sources with one name are an
# error. Nothing here is needed at run time except the .bpf.o files.
#   scripts/build-bpf.sh [--quiet] [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=0 force=0
for a in "$@"; do
  case "$a" in
    --quiet) quiet=1 ;;
    --force) force=1 ;;
    *) echo "build-bpf: unknown option '$a'" >&2; exit 2 ;;
  esac
done
say() { [ "$quiet" = 1 ] || echo "build-bpf: $*" >&2; }

kernel=src/bpf/kernel
out=build/bpf
mkdir -p "$out"

CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
  for c in clang-19 clang-18 clang-17 clang; do command -v "$c" >/dev/null 2>&1 && { CLANG=$c; break; }; done
fi
[ -n "$CLANG" ] || { echo "build-bpf: no clang found (install clang-19)" >&2; exit 1; }

case "$(uname -m)" in
  x86_64) arch=x86 ;;
  aarch64) arch=arm64 ;;
  *) echo "build-bpf: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

# vmlinux.h: regenerated when missing (the BTF of the running kernel; CO-RE relocates the
# objects to other kernels at load time).
if [ ! -s "$out/vmlinux.h" ] || [ "$force" = 1 ]; then
  if [ ! -r /sys/kernel/btf/vmlinux ]; then
    echo "build-bpf: /sys/kernel/btf/vmlinux not readable; the bpf source needs a kernel with BTF" >&2
    exit 0
  fi
  say "generating $out/vmlinux.h"
  bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$out/vmlinux.h.tmp"
  mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
fi

mapfile -t sources < <(find src -name '*.bpf.c' | sort)
mapfile -t headers < <(find src -name '*.h' | sort)
declare -A seen=()
for c in "${sources[@]}"; do
  name=$(basename "$c" .c)
  if [ -n "${seen[$name]:-}" ]; then
    echo "build-bpf: $c and ${seen[$name]} would both be $out/$name.o: rename one" >&2
    exit 1
  fi
  seen[$name]=$c
done
includes=(-I"$out" -I"$kernel")
[ -d "$kernel/lib" ] && includes+=(-I"$kernel/lib")
for c in "${sources[@]}"; do
  name=$(basename "$c" .c)
  obj="$out/$name.o"
  stale=$force
  [ -f "$obj" ] || stale=1
  if [ "$stale" = 0 ]; then
    for dep in "$c" "${headers[@]}" "$out/vmlinux.h" scripts/build-bpf.sh; do
      [ "$dep" -nt "$obj" ] && { stale=1; break; }
    done
  fi
  [ "$stale" = 1 ] || continue
  say "compiling $c"
  "$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_$arch -Wall -Wno-unused-function \
    "${includes[@]}" -I"$(dirname "$c")" -c "$c" -o "$obj.tmp"
  mv "$obj.tmp" "$obj"
done
