#!/usr/bin/env bash
# 好差评 and 12345 lists at scale (issue 12; target p99 < 50 ms on SQLite and PostgreSQL):
# `tongban bench seed` adds CASES cases, RATINGS ratings over them (two per case, one case in
# twenty rated bad with its rectification task) and TICKETS tickets, then wrk measures the
# department's rating list, the bureau's filtered lists (page and API), the task and ticket
# lists, each for SECONDS with 4 connections.
#
# Usage: bash bench/feedback.sh sqlite|postgres [cases] [ratings] [tickets] [seconds]
# PostgreSQL: TONGBAN_BENCH_PG as for bench/lists.sh; its database is dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-sqlite}
cases=${2:-100000}
ratings=${3:-100000}
tickets=${4:-50000}
secs=${5:-8}
pg=${TONGBAN_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}
command -v wrk >/dev/null || { echo "install wrk: apt-get install wrk" >&2; exit 2; }
cargo build --release -q -p tongban
dir=$(mktemp -d)
pid=""
db=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -n "$db" ]; then psql "$pg" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; fi
  rm -rf "$dir"
}
trap cleanup EXIT
args=(--data-dir "$dir" --log warn)
if [ "$mode" = postgres ]; then
  db="tongban_feedback_$$"
  psql "$pg" -qc "CREATE DATABASE $db"
  args+=(--database "${pg%/*}/$db")
fi
start=$(date +%s)
./target/release/tongban "${args[@]}" bench seed --cases "$cases" --ratings "$ratings" --tickets "$tickets"
echo "seeded in $(($(date +%s) - start)) s"
port=18721
./target/release/tongban "${args[@]}" serve --listen 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 1 300); do curl -sf $base/readyz >/dev/null && break; sleep 0.2; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
token() {
  curl -sf -H 'Content-Type: application/json' -d "{\"login\":\"$1\",\"password\":\"Hongsibu2026\"}" \
    $base/api/v1/sessions | json '["token"]'
}
reviewer=$(token reviewer_rsj)
admin=$(token admin)
supervisor=$(token supervisor)
measure() { # label token path
  local out p50 p99 rps bytes
  out=$(wrk -t2 -c4 -d"${secs}s" --latency -H "Authorization: Bearer $2" "$base$3")
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  bytes=$(curl -sf -H "Authorization: Bearer $2" "$base$3" | wc -c)
  printf '%-44s p50 %8s  p99 %8s  %8s req/s  %7s KB\n' "$1" "$p50" "$p99" "$rps" "$((bytes / 1024))"
}
echo "mode: $mode, $(nproc) cores; $cases cases, $ratings ratings, $tickets tickets seeded"
filter="department=D-RSJ&level=1&from=2026-03-01&to=2026-09-30"
measure "ratings page, department (D-RSJ)" "$reviewer" /staff/evaluations
measure "ratings API, department" "$reviewer" /api/v1/evaluations
measure "ratings page, bureau, all" "$admin" /staff/evaluations
measure "ratings page, bureau, dept+level+period" "$admin" "/staff/evaluations?$filter"
measure "ratings API, bureau, dept+level+period" "$admin" "/api/v1/evaluations?$filter"
measure "ratings API, supervisor, bad, 10th page" "$supervisor" "/api/v1/evaluations?bad=1&page=10"
measure "ratings API, bureau, window channel" "$admin" "/api/v1/evaluations?channel=window"
measure "rectification tasks, department" "$reviewer" /staff/rectifications
measure "rectification tasks, bureau" "$admin" /staff/rectifications
measure "tickets, department" "$reviewer" /staff/tickets
measure "tickets, bureau" "$admin" /staff/tickets
echo "RSS after load: $(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status) MiB"
