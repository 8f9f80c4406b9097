#!/bin/sh
# The read replica of docker-compose's "province" profile: on first start, a base backup of the
# primary (pg_basebackup -R writes standby.signal and primary_conninfo), then PostgreSQL as a hot
# standby. Later starts reuse the data directory and catch up by streaming.
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -U "$POSTGRES_USER" -q; do sleep 1; done
  PGPASSWORD="$POSTGRES_PASSWORD" pg_basebackup -h postgres -U "$POSTGRES_USER" -D "$PGDATA" -R -X stream -c fast
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on
