#!/usr/bin/env bash
# Runs every test. Provisions a throw-away local PostgreSQL when HOTLINE_TEST_POSTGRES is not set.
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${HOTLINE_TEST_POSTGRES:-}" ]; then
  HOTLINE_TEST_POSTGRES=$(deploy/pg-local.sh start)
  export HOTLINE_TEST_POSTGRES
fi
mkdir -p TestResults
log=TestResults/test-output.log
set +e
dotnet test Hotline.Ops.sln -c Release --results-directory TestResults "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line over all test projects.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { gsub(",", "", p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
