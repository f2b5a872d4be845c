#!/usr/bin/env bash
# Runs the whole test suite: installs missing system libraries, restores NuGet packages, builds (Release)
# and runs xunit. Ends with one summary line "tests: N passed, N failed, N skipped".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
log="$(mktemp)"
set +e
dotnet test "$root/Mimicry.slnx" -c Release -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E '(Passed|Failed)!? +- +Failed: +[0-9]+, +Passed: +[0-9]+' "$log" | tail -1 || true)
if [[ -n "$summary" ]]; then
  failed=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")
  passed=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")
  skipped=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")
  echo "tests: $passed passed, $failed failed, $skipped skipped"
fi
rm -f "$log"
exit "$status"
