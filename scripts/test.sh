#!/usr/bin/env bash
# The test command (README, npm test, .ci/run): set up, lint, then every test file.
# Ground-truth tests measure CPU states and need quiet cores, so test files run one at a
# time, except the files that measure nothing on the CPU and say so on a line of their
# own ("// test-lane: together": package builds, a 5-million-row conversion): those run
# first, two at a time, beside each other only.
# A test that hangs (a child it started never exits) fails after 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
npx --no-install biome check src test bench scripts 2>&1 | tail -n 20
mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
mapfile -t all < <(find dist -name '*.test.js' | sort)
mapfile -t together < <(grep -lx '// test-lane: together' "${all[@]}" || true)
alone=()
for f in "${all[@]}"; do
  [[ " ${together[*]} " == *" $f "* ]] || alone+=("$f")
done
run() { node --test --test-timeout=300000 --test-reporter=spec "$@"; }
rc=0
if ((${#together[@]})); then run --test-concurrency=2 "$@" "${together[@]}" || rc=$?; fi
run --test-concurrency=1 "$@" "${alone[@]}" || rc=$?
exit "$rc"
