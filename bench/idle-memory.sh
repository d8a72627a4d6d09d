#!/usr/bin/env bash
# Idle resident memory of `tongban serve` with the demonstration data, after one visit to
# each public page and twenty logins. Usage: bash bench/idle-memory.sh  (builds the release binary first).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
dir=$(mktemp -d)
port=18599
./target/release/tongban --data-dir "$dir" --log warn serve --listen 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.1; done
for p in / /halls /org /login /register /api/v1/halls /api/v1/org-units /api/openapi.json; do
  curl -sf -o /dev/null http://127.0.0.1:$port$p
done
# Twenty logins, so Argon2's memory is part of the figure.
for _ in $(seq 1 20); do
  curl -sf -o /dev/null -X POST -H 'content-type: application/json' \
    -d '{"login":"admin","password":"Hongsibu2026"}' http://127.0.0.1:$port/api/v1/sessions
done
sleep 5
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
echo "idle RSS: $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB); target < 60 MB"
[ "$rss" -lt $((60 * 1000)) ]
