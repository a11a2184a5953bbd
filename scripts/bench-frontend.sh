#!/usr/bin/env bash
# Frontend benchmark (a measurement, not a test): publishes a site of 12 sources x 40 entries
# with the real fetcher from feeds served on loopback, then measures with wrk (2 threads,
# 64 connections) the frontend's `/` with `Accept-Encoding: gzip`, nginx serving the very same
# gzip bytes from disk (gzip_static), and the frontend's custom-layout page; rounds alternate
# between them so background noise hits all alike. Prints requests/s, p99 and the ratios to
# nginx (median of the per-round ratios), and the frontend's peak RSS.
#
#   scripts/bench-frontend.sh            # ROUNDS=5 DURATION=6s by default
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-6s}
FEED_PORT=${FEED_PORT:-18183}
FRONT_PORT=${FRONT_PORT:-18181}
NGINX_PORT=${NGINX_PORT:-18182}
SOURCES=12
ENTRIES=40

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk nginx-light >/dev/null
fi
cargo build --release --bins --quiet

tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# Feeds: generated RSS on a loopback HTTP server.
mkdir -p "$tmp/feeds"
python3 - "$tmp/feeds" "$SOURCES" "$ENTRIES" <<'PY'
import sys
out, sources, entries = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for s in range(sources):
    items = "".join(
        f"<item><title>Source {s} story {i}: a headline of a typical length for a news site</title>"
        f"<link>https://source{s}.example/story/{i}</link><guid>s{s}-{i}</guid>"
        f"<pubDate>Mon, 23 Nov 2026 {i // 60 % 24:02}:{i % 60:02}:00 GMT</pubDate></item>"
        for i in range(entries))
    with open(f"{out}/feed{s}.xml", "w") as f:
        f.write(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Source {s}</title>'
                f"<link>https://source{s}.example/</link>{items}</channel></rss>")
PY
python3 -m http.server "$FEED_PORT" --bind 127.0.0.1 --directory "$tmp/feeds" >/dev/null 2>&1 &
pids+=($!)

{
    printf '[fetch]\nallow_private_networks = true\n\n[[sites]]\nname = "bench"\ntitle = "Bench Report"\nhosts = ["localhost"]\n'
    for s in $(seq 0 $((SOURCES - 1))); do
        printf '\n[[sites.feeds]]\nurl = "http://127.0.0.1:%s/feed%s.xml"\n' "$FEED_PORT" "$s"
    done
} >"$tmp/bench.toml"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$FEED_PORT/feed0.xml" >/dev/null && break; sleep 0.1; done
store="file://$tmp/bucket"
RUST_LOG=warn target/release/newsdesk-fetcher --config "$tmp/bench.toml" --store "$store" sync

# The frontend on the same store.
RUST_LOG=warn target/release/newsdesk-frontend --store "$store" --listen "127.0.0.1:$FRONT_PORT" &
front_pid=$!
pids+=("$front_pid")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$FRONT_PORT/readyz" >/dev/null && break; sleep 0.1; done

# nginx serving the published page: identity bytes as index.html (the index module needs the
# file), the published gzip bytes as index.html.gz.
mkdir -p "$tmp/www" "$tmp/nginx"
python3 - "$tmp" <<'PY'
import json, shutil, sys
tmp = sys.argv[1]
m = json.load(open(f"{tmp}/bucket/sites/bench/manifest.json"))
index = next(o for o in m["objects"] if o["name"] == "/")
shutil.copy(f"{tmp}/bucket/{index['key']}", f"{tmp}/www/index.html")
shutil.copy(f"{tmp}/bucket/{index['key']}.gz", f"{tmp}/www/index.html.gz")
ids = [o["name"].removeprefix("fragment/") for o in m["objects"] if o["name"].startswith("fragment/")]
# Reversed, the first two hidden: a layout every request must assemble or find cached.
layout = ".".join(list(reversed(ids[2:])) + ["!" + i for i in ids[:2]])
open(f"{tmp}/cookie", "w").write(f"nd_layout=1:{layout}")
PY
chmod -R a+rX "$tmp/www"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    types { text/html html; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $tmp/www;
        index index.html;
        gzip_static on;
        gzip_vary on;
    }
}
EOF
nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NGINX_PORT/" >/dev/null && break; sleep 0.1; done

front_url="http://127.0.0.1:$FRONT_PORT/"
nginx_url="http://127.0.0.1:$NGINX_PORT/"
cookie=$(cat "$tmp/cookie")
curl -sf -H 'Accept-Encoding: gzip' "$front_url" -o "$tmp/front.gz"
curl -sf -H 'Accept-Encoding: gzip' "$nginx_url" -o "$tmp/nginx.gz"
cmp -s "$tmp/front.gz" "$tmp/nginx.gz" || { echo "frontend and nginx serve different bytes" >&2; exit 1; }
curl -sf -H 'Accept-Encoding: gzip' -H "Cookie: $cookie" "$front_url" -o "$tmp/layout.gz"
cmp -s "$tmp/front.gz" "$tmp/layout.gz" && { echo "the layout page is the default page" >&2; exit 1; }
echo "page: $(stat -c %s "$tmp/front.gz") gzip bytes ($(stat -c %s "$tmp/www/index.html") identity); layout page: $(stat -c %s "$tmp/layout.gz") gzip bytes"

# One wrk run: prints "requests/s p99_ms".
measure() {
    wrk -t2 -c64 -d"$DURATION" --latency "$@" | awk '
        /Requests\/sec/ { rps = $2 }
        /^ +99%/ { v = $2; ms = v + 0; if (v ~ /us$/) ms /= 1000; else if (v ~ /[^m]s$/) ms *= 1000; p99 = ms }
        /Non-2xx/ { bad = 1 }
        END { if (bad) { print "non-2xx responses" > "/dev/stderr"; exit 1 } printf "%s %.2f\n", rps, p99 }'
}

# Warm up all three, then alternate.
for url_args in "$front_url" "$nginx_url"; do wrk -t2 -c64 -d2s -H 'Accept-Encoding: gzip' "$url_args" >/dev/null; done
wrk -t2 -c64 -d2s -H 'Accept-Encoding: gzip' -H "Cookie: $cookie" "$front_url" >/dev/null
: >"$tmp/results"
for round in $(seq "$ROUNDS"); do
    echo "front $(measure -H 'Accept-Encoding: gzip' "$front_url")" >>"$tmp/results"
    echo "nginx $(measure -H 'Accept-Encoding: gzip' "$nginx_url")" >>"$tmp/results"
    echo "layout $(measure -H 'Accept-Encoding: gzip' -H "Cookie: $cookie" "$front_url")" >>"$tmp/results"
    echo "round $round: $(tail -3 "$tmp/results" | tr '\n' ' ')" >&2
done
rss_kb=$(awk '/VmHWM/ { print $2 }' "/proc/$front_pid/status")

python3 - "$tmp/results" "$rss_kb" "$ROUNDS" "$DURATION" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
col = lambda k, i: [float(r[i]) for r in rows if r[0] == k]
nginx = col("nginx", 1)
print(f"wrk -t2 -c64 -d{sys.argv[4]}, loopback, Accept-Encoding: gzip; medians of {sys.argv[3]} alternating rounds")
print("(x nginx: median of the per-round ratios, each round's targets measured back to back)")
print(f"{'target':<28}{'req/s':>10}{'p99 ms':>10}{'x nginx':>10}{'ratio range':>16}")
for k, name in [("nginx", "nginx gzip_static"), ("front", "frontend /"), ("layout", "frontend / (custom layout)")]:
    ratios = [a / b for a, b in zip(col(k, 1), nginx)]
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    print(f"{name:<28}{statistics.median(col(k, 1)):>10.0f}{statistics.median(col(k, 2)):>10.2f}"
          f"{statistics.median(ratios):>10.2f}{spread:>16}")
print(f"frontend peak RSS: {int(sys.argv[2]) / 1024:.1f} MiB")
PY
