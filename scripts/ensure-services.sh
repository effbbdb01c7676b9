#!/usr/bin/env bash
# Make sure the PostgreSQL server (127.0.0.1:5432) and the Redis server (127.0.0.1:6379) the
# integration tests need answer. On the usual test machine they already run; otherwise start
# the installed ones, or install Debian's packages first. Tests create and drop their own
# databases on PostgreSQL; the production profile's tests use Redis as the lock store.
set -euo pipefail

redis_ready() { command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

ensure_redis() {
  if redis_ready; then return 0; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "Redis is not installed: installing Debian's redis-server package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq redis-server
  fi
  redis_ready && return 0
  # No init system on a CI container: run it ourselves, in the background, on loopback only.
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis_ready && return 0; sleep 1; done
  echo "Redis did not start on 127.0.0.1:6379" >&2
  exit 1
}

ensure_redis

postgres_ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }

if postgres_ready; then exit 0; fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "PostgreSQL is not installed: installing Debian's postgresql package"
  apt-get update -qq && apt-get install -y -qq postgresql
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
# Trust local TCP connections for the tests' throwaway databases, as on the CI machine.
hba="/etc/postgresql/$version/main/pg_hba.conf"
if ! grep -q "^host all all 127.0.0.1/32 trust" "$hba"; then
  sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do postgres_ready && exit 0; sleep 1; done
echo "PostgreSQL did not start on 127.0.0.1:5432" >&2
exit 1
