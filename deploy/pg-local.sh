#!/usr/bin/env bash
# A throw-away local PostgreSQL for tests and local clusters: deploy/pg-local.sh start|stop|url
# Needs Debian's postgresql package (apt-get install -y postgresql). Runs as the 'postgres' user when started by root.
set -euo pipefail
cmd=${1:-start}
PGDIR=${HOTLINE_PG_DIR:-/tmp/hotline-pg}
PORT=${HOTLINE_PG_PORT:-55432}
URL="Host=127.0.0.1;Port=$PORT;Username=postgres;Password=postgres;Database=postgres"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$bin" ] || { echo "pg-local: PostgreSQL is not installed (apt-get install -y postgresql)" >&2; exit 2; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
  start)
    if [ ! -f "$PGDIR/PG_VERSION" ]; then
      mkdir -p "$PGDIR"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDIR"
      pw=$(mktemp); echo postgres > "$pw"; chmod 644 "$pw"
      as_pg "$bin/initdb" -D "$PGDIR" -U postgres --pwfile="$pw" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
      rm -f "$pw"
      cat >> "$PGDIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PGDIR'
max_connections = 300
shared_buffers = 256MB
CONF
    fi
    if ! as_pg "$bin/pg_ctl" -D "$PGDIR" status >/dev/null 2>&1; then
      as_pg "$bin/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w start >/dev/null
    fi
    echo "$URL"
    ;;
  stop) as_pg "$bin/pg_ctl" -D "$PGDIR" -m fast stop >/dev/null 2>&1 || true ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
