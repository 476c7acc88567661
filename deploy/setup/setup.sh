#!/usr/bin/env bash
# Elasticsearch half of the one-shot setup (the `setup` container in docker-compose.yml, which runs it with
# the Elasticsearch image for its bash and curl). Every step is an idempotent PUT/POST, so it runs again on
# every `docker compose up` and can be run by hand against any cluster:
#   ES_URL=http://localhost:9200 ELASTIC_PASSWORD=... KIBANA_SYSTEM_PASSWORD=... TAKEDOWN_INDEXER_PASSWORD=... \
#     TEMPLATES_DIR=shared/Takedown.Search/Templates deploy/setup/setup.sh
#  1. wait until Elasticsearch answers as `elastic`
#  2. set the kibana_system password, so Kibana can connect
#  3. create or update the role and user `takedown_indexer` that reporting writes and searches with
#  4. put every index template in $TEMPLATES_DIR (file name = template name): shared/Takedown.Search/Templates,
#     the same files the services put at start-up (compose mounts that folder at /templates)
# Kibana's saved objects are imported by kibana-setup.sh once Kibana is up; Kibana itself waits for this script.
set -euo pipefail

ES_URL="${ES_URL:-http://elasticsearch:9200}"
TEMPLATES_DIR="${TEMPLATES_DIR:-/templates}"
: "${ELASTIC_PASSWORD:?ELASTIC_PASSWORD must be set (see .env.example)}"
: "${KIBANA_SYSTEM_PASSWORD:?KIBANA_SYSTEM_PASSWORD must be set (see .env.example)}"
: "${TAKEDOWN_INDEXER_PASSWORD:?TAKEDOWN_INDEXER_PASSWORD must be set (see .env.example)}"

log() { printf 'setup: %s\n' "$*" >&2; }

# es METHOD PATH [curl args...]: prints the response body; on a non-2xx status logs it and fails. (curl's
# --fail-with-body would do, but needs curl 7.76 and the image's curl may be older.)
es() {
  local method=$1 path=$2 body status
  shift 2
  body="$(mktemp)"
  status="$(curl -sS -o "$body" -w '%{http_code}' -u "elastic:${ELASTIC_PASSWORD}" \
    -X "$method" -H 'Content-Type: application/json' "$@" "${ES_URL}${path}")" || status=000
  if [[ "$status" == 2* ]]; then
    cat "$body"; rm -f "$body"
  else
    log "$method $path -> HTTP $status: $(cat "$body")"; rm -f "$body"
    return 1
  fi
}

# JSON string literal for a value that may hold quotes or backslashes (no jq in the image).
json_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

log "waiting for Elasticsearch at ${ES_URL}"
for attempt in $(seq 1 60); do
  status="$(curl -s -o /dev/null -w '%{http_code}' -u "elastic:${ELASTIC_PASSWORD}" \
    "${ES_URL}/_cluster/health?wait_for_status=yellow&timeout=5s")" || status=000
  case "$status" in
    200) break ;;
    401) log "Elasticsearch rejects the elastic user's password: ELASTIC_PASSWORD in .env differs from the one the cluster knows"; exit 1 ;;
  esac
  [[ $attempt -lt 60 ]] || { log "Elasticsearch not ready after 60 attempts (last HTTP $status)"; exit 1; }
  sleep 5
done

log "setting the kibana_system password"
es POST /_security/user/kibana_system/_password \
  --data-binary "{\"password\":$(json_string "$KIBANA_SYSTEM_PASSWORD")}" >/dev/null

# Reporting puts the index templates at start-up (cluster: manage_index_templates), creates the content index
# behind its alias and switches the alias on a rebuild (manage), writes documents and the case-event data stream
# (write, auto_configure) and answers the search API (read); monitor is for its readiness check. Nothing outside
# takedown-*.
log "putting the role and user takedown_indexer"
es PUT /_security/role/takedown_indexer --data-binary '{
  "description": "Takedown reporting: the search index and the case-event data stream (deploy/setup/setup.sh)",
  "cluster": ["monitor", "manage_index_templates"],
  "indices": [
    { "names": ["takedown-*"], "privileges": ["manage", "write", "auto_configure", "read", "view_index_metadata"] }
  ]
}' >/dev/null
# PUT with a password creates the user or sets its password again, so .env stays the source of truth.
es PUT /_security/user/takedown_indexer \
  --data-binary "{\"password\":$(json_string "$TAKEDOWN_INDEXER_PASSWORD"),\"roles\":[\"takedown_indexer\"],\"full_name\":\"Takedown reporting (search indexer)\"}" >/dev/null

shopt -s nullglob
templates=("$TEMPLATES_DIR"/*.json)
[[ ${#templates[@]} -gt 0 ]] || { log "no index templates in $TEMPLATES_DIR"; exit 1; }
for file in "${templates[@]}"; do
  name="$(basename "$file" .json)"
  log "putting index template ${name}"
  es PUT "/_index_template/${name}" --data-binary "@${file}" >/dev/null
done

log "done"
