#!/usr/bin/env bash
# Installs (from Debian's packages) and starts what Takedown needs on a machine without Docker:
# PostgreSQL with a "takedown" role and database, RabbitMQ with its management plugin, ffmpeg.
# Idempotent: safe to run when everything is already up. Sourced by deploy/test.sh and deploy/run-local.sh.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# apt-get's output goes to a log shown only when it fails: on success it is noise (dpkg's unpacking lines,
# debconf's "delaying package configuration, since apt-utils is not installed").
apt_log="${TMPDIR:-/tmp}/takedown-apt.log"
quiet_apt_get() {
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get "$@" >"$apt_log" 2>&1; then
    echo "infra: apt-get $* failed:" >&2
    cat "$apt_log" >&2
    return 1
  fi
}

apt_updated=0
ensure_package() {
  local command=$1; shift
  if ! command -v "$command" >/dev/null 2>&1; then
    if [ "$apt_updated" -eq 0 ]; then quiet_apt_get update; apt_updated=1; fi
    echo "infra: installing $*"
    quiet_apt_get install -y -qq "$@"
  fi
}

start_postgres() {
  ensure_package pg_ctlcluster postgresql
  local cluster version name
  cluster=$(pg_lsclusters --no-header | head -n 1)
  version=$(awk '{print $1}' <<<"$cluster"); name=$(awk '{print $2}' <<<"$cluster")
  if ! pg_lsclusters --no-header | awk '{print $4}' | grep -q online; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
  fi
  for _ in $(seq 1 30); do pg_isready -q -h localhost && break; sleep 1; done
  as_root su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'takedown'\"" | grep -q 1 \
    || as_root su postgres -c "psql -qc \"CREATE ROLE takedown LOGIN CREATEDB PASSWORD 'takedown'\""
  as_root su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = 'takedown'\"" | grep -q 1 \
    || as_root su postgres -c "createdb -O takedown takedown"
  echo "infra: PostgreSQL $version is up (role and database 'takedown')"
}

start_rabbitmq() {
  ensure_package rabbitmq-server rabbitmq-server
  as_root rabbitmq-plugins enable --offline rabbitmq_management >/dev/null
  if ! as_root rabbitmqctl -q status >/dev/null 2>&1; then
    as_root rabbitmq-server -detached
  fi
  # await_startup refuses at once while the node has not yet registered with epmd, so wait for a ping first.
  local reachable=0
  for _ in $(seq 1 120); do
    if as_root rabbitmqctl -q ping >/dev/null 2>&1; then reachable=1; break; fi
    sleep 1
  done
  if [ "$reachable" -eq 0 ]; then
    echo "infra: RabbitMQ did not start within 120 s; the end of its log:" >&2
    as_root sh -c 'tail -n 40 /var/log/rabbitmq/*.log' >&2 || true
    exit 69
  fi
  as_root rabbitmqctl -q await_startup --timeout 120 >/dev/null
  for _ in $(seq 1 60); do curl -sf -u guest:guest http://localhost:15672/api/overview >/dev/null && break; sleep 1; done
  echo "infra: RabbitMQ is up (AMQP 5672, management API 15672)"
}

ensure_package curl curl
# ffmpeg/ffprobe decode images and video frames for PDQ (Takedown.Fingerprints.Media, `takedown hash`, their tests).
ensure_package ffmpeg ffmpeg
start_postgres
start_rabbitmq
