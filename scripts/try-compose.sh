#!/usr/bin/env bash
# Run deploy/container/compose.yml as an admin would, on this machine, and check it answers:
# the production profile as one container per process (prepare, two Rasa replicas, actions,
# outbox, console) from the image `make image` built, against PostgreSQL and Redis on
# loopback, with databases and a Redis prefix of its own that it removes afterwards.
# Usage: bash scripts/try-compose.sh   (after `make image`; `make try-compose` does both)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/try-lib.sh
image=localhost/mfa-assistant:latest
# Debian 12's podman-compose (1.0.3) joins a host-network service to a bridge network too, which
# podman refuses; the pinned release from PyPI (pyproject's `deploy` extra) does not.
test -x .venv/bin/podman-compose || .venv/bin/python -m pip install --quiet -c constraints.txt "podman-compose==1.6.0"

# The ports compose.yml uses must be free: its containers share the host's network.
require_free_ports
podman image exists "$image" || { echo "No $image: run 'make image' first." >&2; exit 1; }

run=$(date +%s)-$$
project=mfa-try-$run
prefix=mfatry${run//-/}  # Rasa takes letters and digits only
trackers=mfa_try_trackers_${run//-/_}
tickets=mfa_try_tickets_${run//-/_}
work=$(mktemp -d)
# This machine's container runtime: runc and cgroupfs, with limits crun's absence needs
# (elsewhere podman's defaults do); compose reads them from containers.conf.
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
export CONTAINERS_CONF=$work/containers.conf
cp deploy/container/compose.yml "$work/compose.yml"
# The environment file an admin writes beside compose.yml (deploy/systemd/mfa-assistant.env
# shows every setting); the model stays the one inside the image.
cat >"$work/mfa-assistant.env" <<EOF
MFA_HOST=127.0.0.1
MFA_TRACKER_STORE_URL=$TRY_POSTGRES/$trackers
MFA_DATABASE_URL=$TRY_POSTGRES/$tickets
MFA_LOCK_STORE_URL=$TRY_REDIS
MFA_LOCK_STORE_KEY_PREFIX=$prefix
MFA_TRUSTED_PROXIES=127.0.0.1, ::1
RASA_TELEMETRY_ENABLED=false
EOF
compose=(.venv/bin/podman-compose -p "$project" -f "$work/compose.yml")

cleanup() {
  "${compose[@]}" down -v >/dev/null 2>&1 || true
  podman volume rm -f "${project}_mfa-state" >/dev/null 2>&1 || true
  drop_try_stores "$prefix" "$trackers" "$tickets"
  rm -rf "$work"
}
trap cleanup EXIT

started=$(date +%s)
echo "Starting the compose file's services ($project) ..."
if ! "${compose[@]}" up -d; then
  echo "The compose file's services did not start:" >&2
  "${compose[@]}" ps >&2 || true
  exit 1
fi

if ! wait_until_ready; then
  "${compose[@]}" ps >&2 || true
  "${compose[@]}" logs 2>&1 | tail -60 >&2 || true
  exit 1
fi
echo "Every service is ready after $(($(date +%s) - started)) s (prepare, two replicas, actions, outbox, console)."
ask_each_replica compose
# Both replicas keep conversations in the same tracker store: the second continues the first's.
curl -sf -X POST http://127.0.0.1:5006/webhooks/rest/webhook -H 'Content-Type: application/json' \
  -d '{"sender": "compose-5005", "message": "thanks"}' >/dev/null
turns=$(psql -tA "$TRY_POSTGRES/$trackers" -c "SELECT count(*) FROM events WHERE sender_id = 'compose-5005' AND type_name = 'user'")
[ "$turns" = 2 ] || { echo "The tracker store holds $turns turns of the conversation, not 2." >&2; exit 1; }
echo "Both replicas write to one tracker store (2 turns of one conversation)."
psql -tA "$TRY_POSTGRES/$tickets" -c "SELECT version_num FROM alembic_version" | grep -q .
echo "prepare migrated the tickets database."
for name in rasa-1 actions outbox console; do
  test "$(podman exec "${project}_${name}_1" id -u)" != 0
done
echo "Every container runs as an unprivileged user. Stopping ($(($(date +%s) - started)) s in all)."
