#!/usr/bin/env bash
# The whole stack on one machine, from Debian packages: PostgreSQL, Mosquitto (with the shipped
# config/mosquitto.conf) and N twin workers, everything on 127.0.0.1.
#
#   bash scripts/stack.sh [--workers N] [--port P] [--dir DIR] [--demo] [--simulate]
#
#   --workers N   server processes (default 2); the leader runs rules, simulator and purges
#   --port P      the API's port (default 8000); PostgreSQL and Mosquitto take free ports
#   --dir DIR     where the cluster, the broker's store and the twin's data live
#                 (default ./twin-stack); kept between runs
#   --demo        load the sample building and the demo users first (like `twin demo`)
#   --simulate    drive the sample's devices (published to the broker by the leader)
#
# Ctrl-C (or SIGTERM) stops the workers, the broker and PostgreSQL, in that order. PostgreSQL
# refuses to run as root: as root, it runs as Debian's `postgres` user, which must own DIR/pg.
# This is a single-machine stack for trials and the benchmarks; in production run PostgreSQL
# and Mosquitto as services (Debian's packages do) and point TWIN_DATABASE_URL and
# TWIN_MQTT_URL at them (docs/scale-out.md).
set -euo pipefail
cd "$(dirname "$0")/.."
workers=2 port=8000 dir=twin-stack demo=0 simulate=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --workers) workers=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --demo) demo=1; shift ;;
        --simulate) simulate=1; shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "stack: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || { echo "stack: --workers must be a number >= 1" >&2; exit 2; }

bash scripts/ensure-postgres.sh
bash scripts/ensure-deb.sh /usr/sbin/mosquitto mosquitto
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
bindir=""
for candidate in /usr/lib/postgresql/*/bin; do [[ -x "$candidate/postgres" ]] && bindir=$candidate; done
[[ -n "$bindir" ]] || { echo "stack: no PostgreSQL server binaries" >&2; exit 1; }
as_pg=()
if [[ "$(id -u)" -eq 0 ]]; then as_pg=(runuser -u postgres --); fi

pids=()
stop_all() {
    trap - INT TERM EXIT
    echo "stack: stopping" >&2
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all INT TERM EXIT

# -- PostgreSQL ------------------------------------------------------------------------------
pg_port=$(free_port)
if [[ ! -d "$dir/pg/data" ]]; then
    mkdir -p "$dir/pg"
    [[ ${#as_pg[@]} -gt 0 ]] && chown postgres: "$dir/pg"
    "${as_pg[@]}" "$bindir/initdb" -D "$dir/pg/data" -U twin --auth=trust -E UTF8 --no-locale >/dev/null
fi
"${as_pg[@]}" "$bindir/postgres" -D "$dir/pg/data" -p "$pg_port" -k "$dir/pg" \
    -c listen_addresses=127.0.0.1 -c max_connections=200 >"$dir/pg/postgres.log" 2>&1 &
pids=("$!" "${pids[@]}")
for _ in $(seq 100); do
    "$bindir/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break
    sleep 0.2
done
"$bindir/psql" -q -h 127.0.0.1 -p "$pg_port" -U twin -d postgres -tc \
    "SELECT 1 FROM pg_database WHERE datname = 'twin'" | grep -q 1 ||
    "$bindir/createdb" -h 127.0.0.1 -p "$pg_port" -U twin twin

# -- Mosquitto -------------------------------------------------------------------------------
mqtt_port=$(free_port)
mkdir -p "$dir/mqtt/conf.d"
cp config/mosquitto.conf "$dir/mqtt/conf.d/twin.conf"
cat >"$dir/mqtt/mosquitto.conf" <<EOF
user $(id -un)
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence_location $dir/mqtt/
log_dest file $dir/mqtt/mosquitto.log
include_dir $dir/mqtt/conf.d
EOF
/usr/sbin/mosquitto -c "$dir/mqtt/mosquitto.conf" &
pids=("$!" "${pids[@]}")

# -- the twin ------------------------------------------------------------------------------
export TWIN_DATA_DIR="$dir/data"
export TWIN_DATABASE_URL="postgresql+psycopg://twin@127.0.0.1:$pg_port/twin"
export TWIN_MQTT_URL="mqtt://127.0.0.1:$mqtt_port"
if [[ $demo -eq 1 ]]; then
    .venv/bin/twin demo --no-serve --no-simulate >/dev/null
fi
[[ $simulate -eq 1 ]] && export TWIN_SIMULATE=1
echo "stack: PostgreSQL $TWIN_DATABASE_URL" >&2
echo "stack: Mosquitto  $TWIN_MQTT_URL (config/mosquitto.conf)" >&2
echo "stack: $workers workers on http://127.0.0.1:$port (data in $TWIN_DATA_DIR)" >&2
.venv/bin/twin serve --workers "$workers" --port "$port" &
pids=("$!" "${pids[@]}")
wait "${pids[0]}"
