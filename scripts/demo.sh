#!/usr/bin/env bash
# The offline demo: serves the sample feeds in sites/demo/feeds on loopback, runs one fetcher
# sync into a local bucket (data/demo-bucket) and starts the frontend. Ctrl-C stops everything.
#   scripts/demo.sh [--listen 127.0.0.1:8080]
set -euo pipefail
cd "$(dirname "$0")/.."
listen=127.0.0.1:8080
[ "${1:-}" = "--listen" ] && listen=$2
feeds_port=8398
store="file://$PWD/data/demo-bucket"

command -v python3 >/dev/null || { echo "demo: python3 is needed to serve the sample feeds (apt-get install python3)" >&2; exit 1; }
echo "demo: building (release; the first build takes a few minutes)..." >&2
cargo build --release --locked --quiet --bins
# Wherever cargo put them (CARGO_TARGET_DIR, a config's build.target-dir, or ./target).
bin=$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release

python3 -m http.server "$feeds_port" --bind 127.0.0.1 --directory sites/demo/feeds >/dev/null 2>&1 &
feeds_pid=$!
trap 'kill $feeds_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 - "$feeds_port" <<'PY' 2>/dev/null && break
import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)
PY
  sleep 0.1
done

"$bin/newsdesk-fetcher" --config sites/demo.toml --store "$store" sync --force
echo
echo "newsdesk demo: open http://$listen/  (Ctrl-C to stop)"
echo
"$bin/newsdesk-frontend" --store "$store" --listen "$listen"
