#!/usr/bin/env bash
# A hall's day under load (issue 16): 30 windows of the district centre calling, serving and
# calling again while 500 people wait (crates/tongban/benches/queue.rs), then the hall's
# screen under wrk (Debian package `wrk`). The server's clock starts on a Friday at 09:00
# (TONGBAN_CLOCK_START) so the hall is open whenever this runs.
#
# Usage: bash bench/queue.sh sqlite|postgres [wrk seconds]
# PostgreSQL: TONGBAN_BENCH_PG (default postgres://postgres@127.0.0.1:5432/postgres) must be
# allowed to create a database; the benchmark's own is dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-sqlite}
secs=${2:-10}
pg=${TONGBAN_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}
command -v wrk >/dev/null || { echo "install wrk: apt-get install wrk" >&2; exit 2; }
cargo build --release -q -p tongban
cargo bench -q -p tongban --bench queue --no-run 2>/dev/null
dir=$(mktemp -d)
port=18711
db=""
extra=()
if [ "$mode" = postgres ]; then
  db="tongban_queue_$$"
  psql "$pg" -qc "CREATE DATABASE $db"
  extra=(--database "${pg%/*}/$db")
fi
TONGBAN_CLOCK_START=2026-11-27T01:00:00Z ./target/release/tongban --data-dir "$dir" --log warn \
  "${extra[@]}" serve --listen 127.0.0.1:$port >/dev/null 2>"$dir/server.log" &
pid=$!
cleanup() {
  kill $pid 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -n "$db" ]; then psql "$pg" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; fi
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 600); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.2; done
# Each window serves a person for a second (a real one takes minutes), then back to back.
out=$(cargo bench -q -p tongban --bench queue -- --base http://127.0.0.1:$port --calls 1500 --serve-ms 1000)
echo "$out" | grep -v '^DISPLAY='
cargo bench -q -p tongban --bench queue -- --base http://127.0.0.1:$port --calls 1500 --serve-ms 0 --waiting 0 | grep -v '^DISPLAY='
display=$(echo "$out" | sed -n 's/^DISPLAY=//p')
rate=$(wrk -t2 -c64 -d"${secs}s" "$display" | awk '/Requests\/sec/ {print $2}')
echo "hall screen ($display, 30 windows, 500 waiting): $rate req/s (target >= 1000 req/s)"
