#!/usr/bin/env bash
# Kibana half of the one-shot setup (the `kibana-setup` container in docker-compose.yml, started once Kibana
# is healthy): imports every kibana/*.ndjson file through the saved-objects API, overwriting objects with the
# same id, so it is safe to run again. By hand:
#   KIBANA_URL=http://localhost:5601 ELASTIC_PASSWORD=... deploy/setup/kibana-setup.sh
set -euo pipefail

KIBANA_URL="${KIBANA_URL:-http://kibana:5601}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${ELASTIC_PASSWORD:?ELASTIC_PASSWORD must be set (see .env.example)}"

log() { printf 'kibana-setup: %s\n' "$*" >&2; }

log "waiting for Kibana at ${KIBANA_URL}"
for attempt in $(seq 1 60); do
  if curl -fsS -u "elastic:${ELASTIC_PASSWORD}" "${KIBANA_URL}/api/status" 2>/dev/null \
      | grep -Eq '"level": *"(available|degraded)"'; then
    break
  fi
  [[ $attempt -lt 60 ]] || { log "Kibana not available after 60 attempts"; exit 1; }
  sleep 5
done

shopt -s nullglob
files=("$HERE"/kibana/*.ndjson)
[[ ${#files[@]} -gt 0 ]] || { log "no saved objects in $HERE/kibana"; exit 1; }
for file in "${files[@]}"; do
  log "importing $(basename "$file")"
  body="$(mktemp)"
  status="$(curl -sS -o "$body" -w '%{http_code}' -u "elastic:${ELASTIC_PASSWORD}" \
    -X POST -H 'kbn-xsrf: true' --form "file=@${file}" \
    "${KIBANA_URL}/api/saved_objects/_import?overwrite=true")" || status=000
  response="$(cat "$body")"; rm -f "$body"
  # The import answers 200 even when objects fail; success:false carries the per-object errors.
  if [[ "$status" != 200 || ! "$response" =~ \"success\":[[:space:]]*true ]]; then
    log "import of $(basename "$file") failed (HTTP $status): $response"
    exit 1
  fi
done

log "done"
