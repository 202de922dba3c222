#!/usr/bin/env bash
# The test command (README, npm test, .ci/run): set up, lint, then every test file.
# Test files run one at a time: ground-truth tests measure CPU states and need quiet cores.
# A test that hangs (a child it started never exits) fails after 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
npx --no-install biome check src test bench scripts 2>&1 | tail -n 20
mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
exec node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=spec "$@" $(find dist -name '*.test.js' | sort)
