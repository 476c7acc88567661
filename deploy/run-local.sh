#!/usr/bin/env bash
# The README's run command, for a machine without Docker: starts PostgreSQL and RabbitMQ from the OS
# packages (installing them if needed), builds and starts the four services as processes, puts the `takedown`
# CLI in .run/bin, submits a sample report with it and prints its case. The services keep running until Ctrl+C;
# with --once they are stopped after the sample. Elasticsearch is not started here: it is optional, the search
# API answers from PostgreSQL without it, and analysts' Kibana dashboards come with `docker compose up`.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
once=0; [ "${1:-}" = "--once" ] && once=1

source deploy/infra.sh

state=.run
mkdir -p "$state/logs"
if [ -z "${TAKEDOWN_ADMIN_KEY:-}" ]; then
  [ -s "$state/admin-key" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$state/admin-key"
  TAKEDOWN_ADMIN_KEY=$(cat "$state/admin-key")
fi
# The key the services present to each other (role service): reupload-detection reads evidence from ingest.
if [ -z "${TAKEDOWN_SERVICE_KEY:-}" ]; then
  [ -s "$state/service-key" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$state/service-key"
  TAKEDOWN_SERVICE_KEY=$(cat "$state/service-key")
fi

# The key evidence bundles and stream-head exports are signed with (ECDSA P-256), and its public half, which a
# verifier pins: takedown audit verify --bundle FILE --public-key .run/evidence-public-key.pem
if [ ! -s "$state/evidence-signing-key.pem" ]; then
  ( umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$state/evidence-signing-key.pem" 2>/dev/null )
fi
openssl pkey -in "$state/evidence-signing-key.pem" -pubout -out "$state/evidence-public-key.pem"
mkdir -p "$state/stream-heads"

echo "build: dotnet build -c Release"
dotnet build Takedown.sln -c Release -v quiet -nologo >"$state/logs/build.log" 2>&1 || { tail -n 30 "$state/logs/build.log"; exit 1; }
bash deploy/install-cli.sh --no-build

pids=()
stop_services() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_services EXIT

start_service() { # name, project folder, port, then any NAME=value settings of this service alone
  local name=$1 project=$2 port=$3
  shift 3
  ( cd "services/$project" && \
    exec env ASPNETCORE_URLS="http://127.0.0.1:$port" \
    ConnectionStrings__Postgres="${ConnectionStrings__Postgres:-Host=localhost;Port=5432;Database=takedown;Username=takedown;Password=takedown}" \
    Auth__BootstrapAdminKey="$TAKEDOWN_ADMIN_KEY" \
    Auth__ServiceKey="$TAKEDOWN_SERVICE_KEY" \
    "$@" \
    dotnet "bin/Release/net10.0/Takedown.$project.dll" ) >"$state/logs/$name.log" 2>&1 &
  pids+=($!)
  echo "start: $name on http://127.0.0.1:$port (log: $state/logs/$name.log)"
}

start_service ingest Ingest 5101 Ingest__CaseBaseUrl=http://127.0.0.1:5104
start_service classification Classification 5102
start_service reupload-detection ReuploadDetection 5103 Ingest__BaseUrl=http://127.0.0.1:5101 Ingest__ApiKey="$TAKEDOWN_SERVICE_KEY"
start_service reporting Reporting 5104 Ingest__BaseUrl=http://127.0.0.1:5101 Ingest__ApiKey="$TAKEDOWN_SERVICE_KEY" \
  Evidence__SigningKeyFile="$PWD/$state/evidence-signing-key.pem" Evidence__HeadsExportDirectory="$PWD/$state/stream-heads"

for port in 5101 5102 5103 5104; do
  for attempt in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
    [ "$attempt" -eq 60 ] && { echo "service on port $port did not become ready; see $state/logs"; exit 1; }
    sleep 1
  done
done
echo "ready: all four services answer /health/ready"

export PATH="$PWD/$state/bin:$PATH"
# The sample talks to the services just started, on their default ports, whatever a shell exported.
unset TAKEDOWN_URL TAKEDOWN_INGEST_URL TAKEDOWN_REPORTING_URL TAKEDOWN_REUPLOAD_URL
export TAKEDOWN_API_KEY="$TAKEDOWN_ADMIN_KEY"

# Prints a command as it could be pasted into a shell, then runs it: what is shown is exactly what runs.
shown() {
  local line="\$" word
  for word in "$@"; do
    if [[ "$word" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then line+=" $word"; else line+=" '${word//\'/\'\\\'\'}'"; fi
  done
  echo "$line" >&2
  "$@"
}

echo
report=$(shown takedown report --url "https://www.facebook.com/posts/sample-$(date +%s)?utm_source=share" --platform facebook \
  --text "هذا الناشط عميل السفارة" --reporter-reference sample-1 --jurisdiction IQ)
echo "$report"
content=$(sed -nE 's/^content id: *//p' <<<"$report")
echo
shown takedown case "$content" --wait 30
echo
shown takedown case export "$content" -o "$state/case-$content.zip"
shown takedown audit verify --bundle "$state/case-$content.zip" --public-key "$state/evidence-public-key.pem"

if [ -s "$state/admin-key" ] && [ "$(cat "$state/admin-key")" = "$TAKEDOWN_ADMIN_KEY" ]; then
  key_hint="\"\$(cat $PWD/$state/admin-key)\""
else
  key_hint="<the TAKEDOWN_ADMIN_KEY you set>"
fi
echo
echo "The takedown CLI is $PWD/$state/bin/takedown. To use it from a shell, with the bootstrap admin key:"
echo "  export PATH=\"$PWD/$state/bin:\$PATH\""
echo "  export TAKEDOWN_API_KEY=$key_hint"
echo "Issue the first real keys with it (README, \"First hour\", goes on from there):"
echo "  takedown api-key issue --name tfp-desk --organisation tech-for-peace --role reporter"
echo "  takedown api-key issue --name tfp-liaison --organisation tech-for-peace --role liaison"

if [ "$once" -eq 1 ]; then exit 0; fi
echo
echo "Services are running (logs in $state/logs). Press Ctrl+C to stop them."
wait
