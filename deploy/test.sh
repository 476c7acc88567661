#!/usr/bin/env bash
# The README's test command: installs and starts PostgreSQL and RabbitMQ (and docker-compose, whose
# validation of docker-compose.yml is one of the tests), runs every test project, and prints
# "tests: N passed, N failed" counted from the test results.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

source deploy/infra.sh
ensure_package docker-compose docker-compose

results=TestResults
rm -rf "$results"
status=0
dotnet test Takedown.sln --configuration Release --logger "trx" --results-directory "$results" || status=$?

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
  failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
done
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then status=1; echo "no test ran"; fi
echo "tests: $passed passed, $failed failed"
exit "$status"
