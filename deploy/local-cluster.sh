#!/usr/bin/env bash
# N silos of Hotline.Ops on this machine against one PostgreSQL: deploy/local-cluster.sh start [N] | stop | status
# Silo i (1..N) serves HTTP on 127.0.0.1:$((5080+i)), Orleans on 127.0.0.1:$((11110+i)) and gateway $((29999+i)).
# PostgreSQL: $HOTLINE_POSTGRES when set, else deploy/pg-local.sh's local server with a database 'hotline_cluster'.
# Tokens are created once in the database; each silo writes them to $HOTLINE_CLUSTER_DIR/silo-i/tokens.json.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-start}
n=${2:-3}
dir=${HOTLINE_CLUSTER_DIR:-/tmp/hotline-cluster}
dll=src/Hotline.Ops.Host/bin/Release/net10.0/Hotline.Ops.Host.dll

pids() { ls "$dir"/silo-*.pid 2>/dev/null || true; }

case "$cmd" in
  start)
    [[ "$n" =~ ^[1-9][0-9]?$ ]] || { echo "local-cluster: N must be 1..99, not '$n'" >&2; exit 2; }
    [ -z "$(pids)" ] || { echo "local-cluster: already running (deploy/local-cluster.sh stop first)" >&2; exit 2; }
    if [ -z "${HOTLINE_POSTGRES:-}" ]; then
      admin=$(deploy/pg-local.sh start)
      psql=$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
      PGPASSWORD=postgres "$psql" -h 127.0.0.1 -p "${HOTLINE_PG_PORT:-55432}" -U postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'hotline_cluster'" | grep -q 1 ||
        PGPASSWORD=postgres "$psql" -h 127.0.0.1 -p "${HOTLINE_PG_PORT:-55432}" -U postgres -qc "CREATE DATABASE hotline_cluster"
      HOTLINE_POSTGRES=${admin/Database=postgres/Database=hotline_cluster}
    fi
    dotnet build src/Hotline.Ops.Host -c Release --nologo -v q >/dev/null
    mkdir -p "$dir"
    for i in $(seq 1 "$n"); do
      mkdir -p "$dir/silo-$i"
      nohup dotnet "$dll" --urls "http://127.0.0.1:$((5080 + i))" --data-dir "$dir/silo-$i" --postgres "$HOTLINE_POSTGRES" \
        --silo-port $((11110 + i)) --gateway-port $((29999 + i)) "${@:3}" >"$dir/silo-$i.log" 2>&1 &
      echo $! >"$dir/silo-$i.pid"
    done
    for i in $(seq 1 "$n"); do
      for _ in $(seq 1 240); do
        curl -fsS "http://127.0.0.1:$((5080 + i))/health/ready" >/dev/null 2>&1 && break
        kill -0 "$(cat "$dir/silo-$i.pid")" 2>/dev/null || { echo "local-cluster: silo $i exited; see $dir/silo-$i.log" >&2; tail -n 5 "$dir/silo-$i.log" >&2; exit 1; }
        sleep 0.5
      done
      echo "silo $i: http://127.0.0.1:$((5080 + i)) (log $dir/silo-$i.log)"
    done
    echo "tokens: $dir/silo-1/tokens.json"
    ;;
  stop)
    for f in $(pids); do kill -TERM "$(cat "$f")" 2>/dev/null || true; done
    for f in $(pids); do
      pid=$(cat "$f")
      for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$f"
    done
    ;;
  status)
    for f in $(pids); do
      pid=$(cat "$f"); name=$(basename "$f" .pid)
      if kill -0 "$pid" 2>/dev/null; then echo "$name: running (pid $pid)"; else echo "$name: not running"; fi
    done
    ;;
  *) echo "usage: $0 start [N] [host options...] | stop | status" >&2; exit 2 ;;
esac
