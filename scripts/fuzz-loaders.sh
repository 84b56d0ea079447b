#!/bin/sh
# A longer fuzz campaign over the runbook, targets, approval and plan loaders than `npm test` runs.
#   scripts/fuzz-loaders.sh [RUNS per loader, default 20000] [SEED, default: random]
# A failure prints fast-check's counterexample and the seed/path to replay it.
set -eu
cd "$(dirname "$0")/.."
RUNS="${1:-20000}"
SEED="${2:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
echo "fuzz: $RUNS runs per loader, seed $SEED"
FUZZ_RUNS="$RUNS" FUZZ_SEED="$SEED" exec npx vitest run test/fuzz/loaders.test.ts --testTimeout=0
