#!/usr/bin/env bash
# The long campaign behind test/integration/arm-crash-resume.test.ts: every kill point (URL journalled,
# mid-polling, the instant ARM answered 202), N rounds, against the lab with multi-second ARM operations.
# Each trial asserts the PATCH was accepted by ARM exactly once and the resumed run ends fixed.
#   scripts/arm-kill-campaign.sh [rounds]     (default 10 → 30 trials)
set -euo pipefail
rounds="${1:-10}"
cd "$(dirname "$0")/.."
pass=0; fail=0
for i in $(seq 1 "$rounds"); do
  out="$(AGMEDIC_LONG=1 npx vitest run test/integration/arm-crash-resume.test.ts --reporter=json 2>/dev/null || true)"
  p="$(printf '%s' "$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);console.log(j.numPassedTests+" "+j.numFailedTests)}catch{console.log("0 3")}})')"
  pass=$((pass + ${p% *})); fail=$((fail + ${p#* }))
  echo "round $i: passed ${p% *}, failed ${p#* }"
done
echo "ARM kill campaign: $pass trials exactly once and fixed, $fail failed"
[ "$fail" -eq 0 ]
