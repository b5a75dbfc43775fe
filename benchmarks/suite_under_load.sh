#!/usr/bin/env bash
# The whole suite, N times in a row (default 5), with two CPU burners running: the suite
# must pass on a busy machine, not only on an idle one. Prints one line per run and a
# closing "N passed, N failed" line; exits 1 when any run failed. The burners are this
# script's own children and are stopped (by PID) however it ends.
#   usage: bash benchmarks/suite_under_load.sh [RUNS] [-- extra pytest args]
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-5}"
shift || true
[ "${1:-}" = "--" ] && shift
logs="${TMPDIR:-/tmp}/meshtui-suite-under-load"
mkdir -p "$logs"

burners=()
stop_burners() {
  for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${burners[@]}"; do wait "$pid" 2>/dev/null; done
}
trap stop_burners EXIT
trap 'exit 130' INT TERM
for _ in 1 2; do
  .venv/bin/python -c "while True: pass" &
  burners+=("$!")
done

passed=0
failed=0
for run in $(seq 1 "$runs"); do
  started=$(date +%s)
  if bash tests/run.sh -q -p no:cacheprovider "$@" > "$logs/run-$run.log" 2>&1; then
    passed=$((passed + 1)); verdict=passed
  else
    failed=$((failed + 1)); verdict=FAILED
  fi
  summary=$(grep -E "^(=+ )?[0-9]+ (passed|failed)" "$logs/run-$run.log" | tail -1)
  echo "run $run/$runs: $verdict in $(( $(date +%s) - started )) s  ($summary)  log: $logs/run-$run.log"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
