#!/usr/bin/env bash
# A local PostgreSQL for the access store's tests (and CI): installs it when
# missing, starts it, creates the user and database, and prints the URL on
# stdout (everything else goes to stderr), so:
#   export BASESERVE_TEST_POSTGRES_URL=$(scripts/postgres.sh)
# Safe to run again: each step checks before it acts. Debian/Ubuntu, as root.
set -euo pipefail

PG_USER=${PG_USER:-baseserve}
PG_PASSWORD=${PG_PASSWORD:-baseserve}
PG_DATABASE=${PG_DATABASE:-baseserve_test}
PG_PORT=${PG_PORT:-5432}

log() { echo "postgres.sh: $*" >&2; }
as_postgres() { su postgres -c "$1"; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing PostgreSQL"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y postgresql >&2
fi

# The newest installed major version, and its cluster (created by the package).
VERSION=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
    log "creating cluster $VERSION main"
    pg_createcluster "$VERSION" main --port "$PG_PORT" >&2
fi
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $4}' | grep -qx online; then
    log "starting PostgreSQL $VERSION"
    pg_ctlcluster "$VERSION" main start >&2
fi
for _ in $(seq 1 30); do
    as_postgres "pg_isready -q -p $PG_PORT" && break
    sleep 1
done

if [ "$(as_postgres "psql -p $PG_PORT -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'\"")" != "1" ]; then
    log "creating user $PG_USER"
    as_postgres "psql -p $PG_PORT -qc \"CREATE USER $PG_USER WITH PASSWORD '$PG_PASSWORD' SUPERUSER\"" >&2
fi
if [ "$(as_postgres "psql -p $PG_PORT -tAc \"SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'\"")" != "1" ]; then
    log "creating database $PG_DATABASE"
    as_postgres "createdb -p $PG_PORT -O $PG_USER $PG_DATABASE" >&2
fi

echo "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DATABASE"
