#!/usr/bin/env bash
# Fetcher cost at deployment size (a measurement, not a test): SITES sites x FEEDS feeds x
# ENTRIES entries, every site's feeds served by nginx on a loopback address of its own (so the
# per-host limit applies as it would across real hosts), published to a file:// bucket with
# the release build. Three cases, each one `newsdesk-fetcher` process:
#   first publish              sync of an empty bucket
#   one changed feed           one feed gains one entry, then sync --force
#   nothing due                sync right after (every feed is within its interval)
# For each: CPU seconds (user + system), peak RSS, and what the pass says it did to the bucket
# (objects written, requests by kind, from the store's own counters).
#
#   scripts/bench-scale.sh                         # 50 sites x 40 feeds x 40 entries
#   scripts/bench-scale.sh --sites 250 --feeds 40  # 10,000 feeds
#   PERF_DATA=/tmp/p.data scripts/bench-scale.sh   # also profile the first publish (perf record)
#   KEEP=1 scripts/bench-scale.sh                  # leave the feeds and the bucket for a look
set -euo pipefail
cd "$(dirname "$0")/.."

SITES=50
FEEDS=40
ENTRIES=40
PORT=${PORT:-18190}
while [ $# -gt 0 ]; do
    case "$1" in
        --sites) SITES=$2; shift 2 ;;
        --feeds) FEEDS=$2; shift 2 ;;
        --entries) ENTRIES=$2; shift 2 ;;
        -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "bench-scale: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ "$SITES" -gt 250 ]; then
    echo "bench-scale: at most 250 sites (one loopback address each)" >&2
    exit 2
fi

if ! command -v nginx >/dev/null; then
    echo "bench-scale: installing nginx-light (Debian package)" >&2
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
fi
cargo build --release --locked --quiet --bins
bin=$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release

tmp=$(mktemp -d)
chmod 755 "$tmp"
cleanup() {
    [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
    if [ -n "${KEEP:-}" ]; then echo "bench-scale: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

echo "bench-scale: generating $SITES sites x $FEEDS feeds x $ENTRIES entries" >&2
python3 - "$tmp" "$SITES" "$FEEDS" "$ENTRIES" "$PORT" <<'PY'
import os, sys
tmp, sites, feeds, entries, port = sys.argv[1], *map(int, sys.argv[2:6])

def feed(site, n, count):
    # The channel's link is the feed's own host, so logo discovery asks nginx (a 404), not a
    # name the machine cannot resolve.
    home = f"http://127.0.1.{site + 1}:{port}/"
    items = "".join(
        f"<item><title>Site {site} source {n} story {i}: a headline of typical length for a news site</title>"
        f"<link>https://s{site}-f{n}.example/story/{i}</link><guid>s{site}-f{n}-{i}</guid>"
        f"<pubDate>Mon, 23 Nov 2026 {i // 60 % 24:02}:{i % 60:02}:00 GMT</pubDate></item>"
        for i in reversed(range(count)))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Site {site} source {n}</title>'
            f"<link>{home}</link>{items}</channel></rss>")

servers = []
with open(f"{tmp}/bench.toml", "w") as cfg:
    cfg.write("[fetch]\nallow_private_networks = true\n")
    for s in range(sites):
        os.makedirs(f"{tmp}/feeds/s{s}", exist_ok=True)
        host = f"127.0.1.{s + 1}"
        servers.append(f"server {{ listen {host}:{port}; root {tmp}/feeds/s{s}; }}")
        cfg.write(f'\n[[sites]]\nname = "site{s}"\ntitle = "Site {s}"\nhosts = ["site{s}.example"]\n')
        for n in range(feeds):
            with open(f"{tmp}/feeds/s{s}/f{n}.xml", "w") as f:
                f.write(feed(s, n, entries))
            cfg.write(f'[[sites.feeds]]\nurl = "http://{host}:{port}/f{n}.xml"\n')
# The changed feed of the second case, ready to swap in.
with open(f"{tmp}/changed.xml", "w") as f:
    f.write(feed(0, 0, entries + 1))
with open(f"{tmp}/nginx.conf", "w") as f:
    f.write(f"""
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    default_type application/rss+xml;
    {chr(10).join(servers)}
}}
""")
PY
nginx -c "$tmp/nginx.conf" -p "$tmp"
for _ in $(seq 50); do
    curl -sf "http://127.0.1.1:$PORT/f0.xml" >/dev/null && break
    sleep 0.1
done

store="file://$tmp/bucket"
# Runs one fetcher process; prints "cpu_s rss_mb" then the pass's summary line.
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys
out = subprocess.run(sys.argv[1:], capture_output=True, text=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
summary = [l for l in out.stdout.splitlines() if l.startswith("sync:")]
if out.returncode not in (0, 3) or not summary:
    sys.stderr.write(out.stderr[-4000:])
    sys.exit(f"bench-scale: {sys.argv[1:]} exited {out.returncode}")
print(f"{r.ru_utime + r.ru_stime:.2f} {r.ru_maxrss / 1024:.0f}")
print(summary[-1])
PY
}

fetcher=("$bin/newsdesk-fetcher" --config "$tmp/bench.toml" --store "$store" --log-format json)
report() {
    local name=$1
    shift
    local out
    out=$(RUST_LOG=warn measure "${fetcher[@]}" "$@")
    local cpu rss
    read -r cpu rss <<<"$(head -1 <<<"$out")"
    local summary
    summary=$(tail -1 <<<"$out")
    local written ops
    written=$(grep -o '[0-9]* objects written ([0-9]* bytes)' <<<"$summary")
    ops=$(grep -o 'bucket: [^;]*' <<<"$summary")
    printf '%-18s %9s %8s  %-34s %s\n' "$name" "$cpu" "$rss" "$written" "${ops#bucket: }"
}

total=$((SITES * FEEDS))
echo
echo "$SITES sites x $FEEDS feeds x $ENTRIES entries = $total feeds (release build, file:// bucket)"
printf '%-18s %9s %8s  %-34s %s\n' case "CPU s" "RSS MB" "objects written" "bucket requests"
report "first publish" sync
if [ -n "${PERF_DATA:-}" ]; then
    rm -rf "$tmp/bucket"
    perf record -q -g -o "$PERF_DATA" "${fetcher[@]}" sync >/dev/null 2>&1 || true
fi
cp "$tmp/changed.xml" "$tmp/feeds/s0/f0.xml"
report "one changed feed" sync --force
report "nothing due" sync
