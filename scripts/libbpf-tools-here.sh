#!/usr/bin/env bash
# Which of Debian's libbpf-tools load and run on this kernel: each runs for 2 s (stopped
# with SIGINT); a tool that prints a load, attach or init failure is FAIL with its last
# error line. The figures of docs/bcc-coverage.md come from this. Needs root and the
# libbpf-tools package (scripts/setup.sh --tests). Tools that need arguments to run at all
# (fsdist and fsslower without -t, funclatency, ksnoop) are listed as USAGE; javagc without
# -p watches nothing and is listed OK.
#   scripts/libbpf-tools-here.sh
set -uo pipefail
command -v dpkg >/dev/null && dpkg -s libbpf-tools >/dev/null 2>&1 || {
  echo "libbpf-tools-here: the libbpf-tools package is not installed (setup.sh --tests)" >&2
  exit 1
}
for t in $(dpkg -L libbpf-tools | grep -E '/s?bin/' | xargs -n1 basename | sort); do
  out=$(timeout -s INT 2 "$t" 2>&1 </dev/null | head -c 20000)
  if echo "$out" | grep -qE '^(Usage|USAGE):|must be specified'; then
    echo "$t USAGE"
  elif echo "$out" | grep -qiE 'failed|not permitted|not supported|invalid argument'; then
    echo "$t FAIL $(echo "$out" | grep -iE 'failed|not permitted|not supported|invalid' | grep -v '^;' | tail -1 | cut -c1-100)"
  else
    echo "$t OK"
  fi
done
