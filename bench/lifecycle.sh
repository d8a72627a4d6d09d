#!/usr/bin/env bash
# Full case lifecycles per second over HTTP: apply → accept → start review → decide →
# conclude with the licence sealed and issued, all by one citizen (whose wallet grows by a
# licence each time), driven by crates/tongban/benches/lifecycle.rs for a bounded time.
#
# Usage: bash bench/lifecycle.sh sqlite|postgres|cluster [seconds] [clients]
#   sqlite    one instance on the embedded database
#   postgres  one instance on PostgreSQL
#   cluster   three instances on one PostgreSQL behind nginx (Debian's nginx-light)
# PostgreSQL: TONGBAN_BENCH_PG (default postgres://postgres@127.0.0.1:5432/postgres) must be
# allowed to create a database; the benchmark's own is dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-sqlite}
secs=${2:-20}
clients=${3:-32}
pg=${TONGBAN_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}
cargo build --release -q -p tongban
cargo bench -q -p tongban --bench lifecycle --no-run 2>/dev/null
dir=$(mktemp -d)
pids=()
db=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$db" ]; then psql "$pg" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; fi
  rm -rf "$dir"
}
trap cleanup EXIT
# Every instance shares one data directory: on PostgreSQL it holds only the seal keys, which
# every issuing instance needs.
start() {
  local port=$1
  shift
  ./target/release/tongban --data-dir "$dir/data" --log warn --trusted-proxies 127.0.0.1 "$@" \
    serve --listen 127.0.0.1:"$port" >/dev/null 2>"$dir/tongban-$port.log" &
  pids+=($!)
  for _ in $(seq 1 600); do
    curl -sf http://127.0.0.1:"$port"/readyz >/dev/null && return 0
    sleep 0.2
  done
  echo "instance on $port did not start:" >&2
  cat "$dir/tongban-$port.log" >&2
  exit 1
}
case "$mode" in
  sqlite)
    start 18701
    base=http://127.0.0.1:18701
    ;;
  postgres | cluster)
    db="tongban_bench_$$"
    psql "$pg" -qc "CREATE DATABASE $db"
    url="${pg%/*}/$db"
    start 18701 --database "$url"
    base=http://127.0.0.1:18701
    if [ "$mode" = cluster ]; then
      start 18702 --database "$url"
      start 18703 --database "$url"
      command -v nginx >/dev/null || { echo "install nginx-light" >&2; exit 2; }
      mkdir -p "$dir/nginx"
      cat >"$dir/nginx/nginx.conf" <<NGINX
worker_processes 1;
error_log $dir/nginx/error.log warn;
pid $dir/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/body;
  proxy_temp_path $dir/nginx/proxy;
  client_max_body_size 50m;
  upstream tongban {
    server 127.0.0.1:18701;
    server 127.0.0.1:18702;
    server 127.0.0.1:18703;
    keepalive 96;
  }
  server {
    listen 127.0.0.1:18700;
    location / {
      proxy_pass http://tongban;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
NGINX
      nginx -c "$dir/nginx/nginx.conf" -g 'daemon off;' &
      pids+=($!)
      for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18700/readyz >/dev/null && break; sleep 0.1; done
      base=http://127.0.0.1:18700
    fi
    ;;
  *)
    echo "usage: bash bench/lifecycle.sh sqlite|postgres|cluster [seconds] [clients]" >&2
    exit 2
    ;;
esac
echo "mode: $mode, $secs s, $clients clients, $(nproc) cores"
bin=$(ls -t target/release/deps/lifecycle-* | grep -v '\.d$' | head -n1)
"$bin" --base "$base" --seconds "$secs" --clients "$clients"
for p in "${pids[@]}"; do
  if [ -r "/proc/$p/status" ] && grep -q tongban "/proc/$p/cmdline" 2>/dev/null; then
    echo "instance $p: $(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$p/status") MiB resident"
  fi
done
