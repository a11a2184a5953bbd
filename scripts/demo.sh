#!/usr/bin/env bash
# The offline demo: serves the sample feeds in sites/demo/feeds on loopback (dated as of now),
# runs one fetcher sync into a local bucket (data/demo-bucket), which also picks the headline
# block, and starts the frontend. Ctrl-C stops everything.
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

# The sample feeds, their dates moved so the newest entry is 20 minutes old: the page shows
# fresh news and the headline picker (which looks at the last 48 hours) has stories to pick.
feeds_dir=$(mktemp -d)
python3 - sites/demo/feeds "$feeds_dir" <<'PY'
import datetime, email.utils, pathlib, re, sys
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
date = re.compile(r"<pubDate>([^<]+)</pubDate>")
feeds = {f.name: f.read_text() for f in src.glob("*.xml")}
newest = max(email.utils.parsedate_to_datetime(d) for t in feeds.values() for d in date.findall(t))
shift = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20) - newest
for name, text in feeds.items():
    moved = lambda m: "<pubDate>%s</pubDate>" % email.utils.format_datetime(
        email.utils.parsedate_to_datetime(m.group(1)) + shift, usegmt=True)
    (dst / name).write_text(date.sub(moved, text))
PY
python3 -m http.server "$feeds_port" --bind 127.0.0.1 --directory "$feeds_dir" >/dev/null 2>&1 &
feeds_pid=$!
trap 'kill $feeds_pid 2>/dev/null || true; rm -rf "$feeds_dir"' EXIT
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
