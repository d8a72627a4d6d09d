#!/usr/bin/env bash
# Licence verification: presentations checked per second over HTTP
# (POST /api/v1/licenses/verify, 2 cores, wrk with 64 connections), beside the raw SM2
# verification rate of the seal crate on one core, measured in the same run.
# Each HTTP verification checks two SM2 signatures (the licence's seal and the platform's
# proof on the presentation) and reads the library for revocation.
# Usage: bash bench/licence-verify.sh [seconds]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "install wrk: apt-get install wrk" >&2; exit 2; }
cargo build --release -q -p tongban -p tongban-domain --example seal_rate
dir=$(mktemp -d)
port=18602
./target/release/tongban --data-dir "$dir" --log warn serve --listen 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.1; done
base=http://127.0.0.1:$port
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
token=$(curl -sf -H 'Content-Type: application/json' \
  -d '{"login":"64030319580312024X","password":"Hongsibu2026"}' $base/api/v1/sessions |
  json '["token"]')
id=$(curl -sf -H "Authorization: Bearer $token" $base/api/v1/me/licenses | json '[0]["licence"]["identifier"]')
payload=$(curl -sf -X POST -H "Authorization: Bearer $token" \
  "$base/api/v1/me/licenses/$id/presentations" | json '["payload"]')
curl -sf -H 'Content-Type: application/json' -d "{\"payload\":\"$payload\"}" \
  $base/api/v1/licenses/verify | grep -q '"valid":true' || { echo "presentation did not verify" >&2; exit 1; }
lua=$(mktemp)
cat >"$lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"payload":"$payload"}'
LUA
http=$(wrk -t2 -c64 -d"${secs}s" -s "$lua" $base/api/v1/licenses/verify | awk '/Requests\/sec/ {print $2}')
rm -f "$lua"
raw=$(taskset -c 0 ./target/release/examples/seal_rate 5 2>/dev/null || ./target/release/examples/seal_rate 5)
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
echo "HTTP verifications (2 cores, 64 connections): $http /s  (2 SM2 verifies each)"
echo "raw SM2 licence verify (1 core):              $raw /s"
echo "HTTP / raw: $(awk "BEGIN {printf \"%.2f\", $http / $raw}")  (ceiling ≈ 2 cores / 2 verifies = 1.0)"
echo "RSS after load: $((rss / 1024)) MiB"
