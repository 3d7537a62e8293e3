#!/usr/bin/env bash
# Makes a PostgreSQL server reachable for the tests at FACTORIA_TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/postgres, trust authentication): starts the local
# Debian cluster when it is stopped, or installs PostgreSQL from Debian's packages when absent;
# and its client tools (pg_dump, pg_restore) for the backup tests.
set -euo pipefail
URL=${FACTORIA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
ready() { pg_isready -q -d "$URL" 2>/dev/null || (command -v psql >/dev/null && psql "$URL" -Atc 'select 1' >/dev/null 2>&1); }

# `factoria backup` and `restore` of PostgreSQL drive pg_dump and pg_restore.
if ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null; then
  echo "installing PostgreSQL's client tools from Debian's packages" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null
fi
if command -v pg_isready >/dev/null && ready; then exit 0; fi
if [ -n "${FACTORIA_TEST_POSTGRES_URL:-}" ]; then
  echo "PostgreSQL at $FACTORIA_TEST_POSTGRES_URL is not reachable" >&2; exit 1
fi
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "installing PostgreSQL from Debian's packages" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
VERSION=$(ls /etc/postgresql | sort -n | tail -n 1)
HBA=/etc/postgresql/$VERSION/main/pg_hba.conf
# The tests connect over TCP as postgres without a password, as on the development machines.
if ! as_root grep -q '^host all postgres 127.0.0.1/32 trust' "$HBA"; then
  as_root sed -i '1i host all postgres 127.0.0.1/32 trust' "$HBA"
fi
as_root pg_ctlcluster --skip-systemctl-redirect "$VERSION" main start 2>/dev/null \
  || as_root pg_ctlcluster --skip-systemctl-redirect "$VERSION" main reload
for _ in $(seq 1 30); do
  if ready; then exit 0; fi
  sleep 1
done
echo "PostgreSQL did not become ready at $URL" >&2
exit 1
