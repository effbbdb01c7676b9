#!/usr/bin/env bash
# Make sure the PostgreSQL server the integration tests need answers on 127.0.0.1:5432.
# On the usual test machine it already runs; otherwise start the installed cluster, or install
# Debian's PostgreSQL first. Tests create and drop their own databases on it.
set -euo pipefail

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
