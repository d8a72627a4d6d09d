#!/usr/bin/env bash
# Staff and applicant pages over a large database: `tongban bench seed` adds CASES cases (1
# million by default) with two timeline events each, then wrk measures the latency of the
# clerk's and a reviewer's inbox, a case page, the applicant's tracking page and the
# time-limit follow-up (department and whole district), each for SECONDS with 4 connections.
#
# Usage: bash bench/lists.sh sqlite|postgres [cases] [seconds]   (needs wrk)
# PostgreSQL: TONGBAN_BENCH_PG as for bench/lifecycle.sh; its database is dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-sqlite}
cases=${2:-1000000}
secs=${3:-10}
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
  db="tongban_lists_$$"
  psql "$pg" -qc "CREATE DATABASE $db"
  args+=(--database "${pg%/*}/$db")
fi
start=$(date +%s)
./target/release/tongban "${args[@]}" bench seed --cases "$cases"
echo "seeded in $(($(date +%s) - start)) s"
port=18720
./target/release/tongban "${args[@]}" serve --listen 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 1 300); do curl -sf $base/readyz >/dev/null && break; sleep 0.2; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
token() {
  curl -sf -H 'Content-Type: application/json' -d "{\"login\":\"$1\",\"password\":\"Hongsibu2026\"}" \
    $base/api/v1/sessions | json '["token"]'
}
clerk=$(token clerk)
reviewer=$(token reviewer)
supervisor=$(token supervisor)
citizen=$(token 64030319580312024X)
html=$(curl -sf -H "Authorization: Bearer $citizen" $base/me/cases)
no=""
if [[ $html =~ ([0-9A-Z]{31}2026[0-9]{8}) ]]; then no=${BASH_REMATCH[1]}; fi
[ -n "$no" ] || { echo "no seeded case of the demo citizen" >&2; exit 1; }
measure() { # label token path
  local out p50 p99 rps bytes
  out=$(wrk -t2 -c4 -d"${secs}s" --latency -H "Authorization: Bearer $2" "$base$3")
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  bytes=$(curl -sf -H "Authorization: Bearer $2" "$base$3" | wc -c)
  printf '%-34s p50 %8s  p99 %8s  %8s req/s  %7s KB\n' "$1" "$p50" "$p99" "$rps" "$((bytes / 1024))"
}
echo "mode: $mode, $(nproc) cores, $cases cases seeded"
measure "inbox, window clerk" "$clerk" /staff/cases
measure "inbox, department reviewer" "$reviewer" /staff/cases
item=$(curl -sf "$base/api/v1/items?per_page=1" | json '["items"][0]["implementation_code"]')
measure "inbox, clerk, one item" "$clerk" "/staff/cases?item=$item"
measure "inbox, clerk, accepted+overdue" "$clerk" "/staff/cases?status=accepted&overdue=1"
measure "inbox, clerk, 20th page" "$clerk" "/staff/cases?page=20"
measure "inbox, clerk, mine" "$clerk" "/staff/cases?mine=1"
measure "inbox, reviewer, owed materials" "$reviewer" "/staff/cases?owed=1"
measure "API list, reviewer, window channel" "$reviewer" "/api/v1/cases?channel=window"
measure "case page (clerk)" "$clerk" "/staff/cases/$no"
measure "tracking page (applicant)" "$citizen" "/me/cases/$no"
measure "deadlines, department" "$reviewer" /staff/deadlines
measure "deadlines, whole district" "$supervisor" /staff/deadlines
echo "RSS after load: $(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status) MiB"
