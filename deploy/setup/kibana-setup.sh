#!/usr/bin/env bash
# Kibana half of the one-shot setup (the `kibana-setup` container in docker-compose.yml, started once Kibana
# is healthy): imports every kibana/*.ndjson file (data views, saved searches, Lens visualizations, dashboards;
# docs/deployment.md lists them) through the saved-objects API, overwriting objects with the same id, so it is
# safe to run again. By hand:
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
  log "importing $(basename "$file") ($(grep -c . "$file") saved objects)"
  body="$(mktemp)"
  status="$(curl -sS -o "$body" -w '%{http_code}' -u "elastic:${ELASTIC_PASSWORD}" \
    -X POST -H 'kbn-xsrf: true' --form "file=@${file}" \
    "${KIBANA_URL}/api/saved_objects/_import?overwrite=true")" || status=000
  response="$(cat "$body")"; rm -f "$body"
  # The import answers 200 even when objects fail: {"success":false,"successCount":n,"errors":[{id, type, title,
  # error:{type: "missing_references" | "unknown" | ...}}]}. Any error fails the setup, with the objects named.
  if [[ "$status" != 200 ]]; then
    log "import of $(basename "$file") failed (HTTP $status): $response"
    exit 1
  fi
  if [[ ! "$response" =~ \"success\":[[:space:]]*true ]]; then
    errors="${response#*\"errors\":}"
    [[ "$errors" != "$response" ]] || errors="$response"
    log "import of $(basename "$file") failed; objects in error: $errors"
    exit 1
  fi
  count="$(grep -Eo '"successCount":[[:space:]]*[0-9]+' <<<"$response" | grep -Eo '[0-9]+$' || true)"
  log "imported ${count:-?} saved objects from $(basename "$file")"
done

# Saved objects that earlier versions imported and this one no longer ships: deleted, so analysts do not open
# views over indexes nothing writes any more. 404 means already gone.
retired_data_views=(takedown-fingerprints)
for id in "${retired_data_views[@]}"; do
  status="$(curl -sS -o /dev/null -w '%{http_code}' -u "elastic:${ELASTIC_PASSWORD}" \
    -X DELETE -H 'kbn-xsrf: true' "${KIBANA_URL}/api/data_views/data_view/${id}")" || status=000
  case "$status" in
    200|204) log "deleted the retired data view ${id}" ;;
    404) ;;
    *) log "could not delete the retired data view ${id} (HTTP $status)"; exit 1 ;;
  esac
done

log "done"
