#!/usr/bin/env bash
# Guide page throughput on this machine (2 cores), measured beside a trivial handler
# (/healthz, through the same middleware) in the same run, with wrk (Debian package `wrk`).
# Usage: bash bench/guide-load.sh [seconds]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "install wrk: apt-get install wrk" >&2; exit 2; }
cargo build --release -q
dir=$(mktemp -d)
port=18601
./target/release/tongban --data-dir "$dir" --log warn serve --listen 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.1; done
code=$(curl -sf "http://127.0.0.1:$port/api/v1/items?q=jzz" | sed -E 's/.*"implementation_code":"([^"]+)".*/\1/')
rate() { wrk -t2 -c64 -d"${secs}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
trivial=$(rate "http://127.0.0.1:$port/healthz")
guide=$(rate "http://127.0.0.1:$port/guide/$code")
search=$(rate "http://127.0.0.1:$port/guide?q=shebao")
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
echo "trivial /healthz:        $trivial req/s"
echo "guide page /guide/{code}: $guide req/s ($(awk "BEGIN {printf \"%.2f\", $guide / $trivial}") of trivial; target >= 3000 req/s)"
echo "guide search /guide?q=:  $search req/s"
echo "RSS after load: $((rss / 1024)) MiB"
