#!/usr/bin/env bash
# The README's test command: installs and starts PostgreSQL and RabbitMQ (and docker-compose, whose
# validation of docker-compose.yml is one of the tests, and Caddy, which runs the front door's routing test), runs
# every test project, and prints "tests: N passed, N failed, N skipped" counted from the test results (a suite that
# needs a server these machines lack, like the real-Elasticsearch one, shows as skipped, never as passed).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

source deploy/infra.sh
# Testing only: the compose file is validated with docker-compose, the transparency report's HTML rendered in Chromium,
# the front door's deploy/Caddyfile run by Caddy in front of stand-in services.
ensure_package docker-compose docker-compose
ensure_package chromium chromium
ensure_package caddy caddy

results=TestResults
rm -rf "$results"
status=0
dotnet test Takedown.sln --configuration Release --logger "trx" --results-directory "$results" || status=$?

# Counted from the .trx files. Tests that errored or timed out count as failed, and so does each test project
# whose run left no results or was aborted (a build error, a crashed test host): it has no failed test to
# count, yet it must not read as "0 failed".
passed=0; failed=0; skipped=0
counter() { local n; n=$(grep -o "<Counters [^>]*>" "$2" | sed -nE "s/.* $1=\"([0-9]+)\".*/\1/p"); echo "${n:-0}"; }
for project in $(find tests -name '*.Tests.csproj' -printf '%f\n' | sed 's/\.csproj$//' | sort); do
  trx=$(grep -lis "storage=\"[^\"]*/$project\.dll\"" "$results"/*.trx 2>/dev/null | head -n 1 || true)
  if [ -z "$trx" ]; then
    echo "$project: no test results"; failed=$((failed + 1)); status=1; continue
  fi
  passed=$((passed + $(counter passed "$trx")))
  # The trx counters leave skipped tests out (notExecuted stays 0); their results say outcome="NotExecuted".
  skipped=$((skipped + $( { grep -o '<UnitTestResult [^>]*outcome="NotExecuted"' "$trx" || true; } | wc -l)))
  failed=$((failed + $(counter failed "$trx") + $(counter error "$trx") + $(counter timeout "$trx")))
  outcome=$(grep -o '<ResultSummary outcome="[A-Za-z]*"' "$trx" | sed -E 's/.*"(.*)"/\1/' || true)
  if [ "$outcome" = "Aborted" ] || [ "$outcome" = "Error" ]; then
    echo "$project: test run $outcome (its remaining tests did not run)"; failed=$((failed + 1)); status=1
  fi
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then echo "dotnet test failed outside any test"; failed=1; fi
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then status=1; echo "no test ran"; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
