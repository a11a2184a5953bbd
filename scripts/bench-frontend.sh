#!/usr/bin/env bash
# Frontend benchmark (a measurement, not a test): publishes a site of 12 sources x 40 entries
# with the real fetcher from feeds served on loopback, then measures with wrk (2 threads,
# 64 connections, `Accept-Encoding: gzip`) the frontend's `/`, a custom reader layout,
# `/api/headlines` and a hashed asset, each against nginx serving that build's very same gzip
# bytes from disk (gzip_static). Rounds alternate between all targets so background noise hits
# them alike. Prints requests/s, p99 and the ratio to nginx (median of the per-round ratios),
# the CPU time each server spent per request (steadier than requests/s on a machine wrk
# shares), and the frontend's peak RSS.
#
#   scripts/bench-frontend.sh                    # this checkout; ROUNDS=5 DURATION=6s
#   scripts/bench-frontend.sh --against REV      # also REV (built in its own worktree and
#                                                # target directory), interleaved in the same
#                                                # rounds; adds new/old per target
#   scripts/bench-frontend.sh --allow-load       # report even on a loaded machine
#   BENCH_BUILDS="new:DIR old:DIR" scripts/...   # binaries built beforehand
#   scripts/bench-frontend.sh --idle 10000       # first open that many idle keep-alive
#                                                # connections to every server, held
#                                                # through all rounds
#   scripts/bench-frontend.sh --pin              # servers on CPU 0 (nginx with one worker,
#                                                # the frontend with one), wrk and the idle
#                                                # clients on CPU 1: neither steals the other's
#                                                # core, so rounds vary less
#
# Run it with --against main (or the last release) before merging anything on the request
# path. It refuses to start while the 1-minute load average is above the number of cores
# (a loaded machine slows nginx more than the frontend and flatters the ratio), unless
# --allow-load is given. The load during the rounds is printed beside the figures: it includes
# the bench's own wrk and servers (about 4 on 2 cores), so only the load before it counts.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-6s}
PORT_BASE=${PORT_BASE:-18180}
SOURCES=12
ENTRIES=40
against=""
allow_load=0
idle=0
pin=0
while [ $# -gt 0 ]; do
    case "$1" in
        --against) against="$2"; shift 2 ;;
        --allow-load) allow_load=1; shift ;;
        --idle) idle="$2"; shift 2 ;;
        --pin) pin=1; shift ;;
        *) sed -n '11,23p' "$0" | sed 's/^# //' >&2; exit 2 ;;
    esac
done

# With --pin, what runs the servers and what runs the clients.
server_cpu=() client_cpu=() nginx_workers=auto
if [ "$pin" = 1 ]; then
    server_cpu=(taskset -c 0) client_cpu=(taskset -c 1) nginx_workers=1
fi

. scripts/load-guard.sh
check_load bench-frontend "$allow_load"
load_before=$(load)

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk nginx-light >/dev/null
fi

# One nginx serves every build's twin, each holding its own idle connections (with --pin, all
# on one worker), within the descriptors it may open: checked before anything is built.
build_count=1
[ -n "$against" ] && build_count=2
[ -n "${BENCH_BUILDS:-}" ] && build_count=$(wc -w <<<"$BENCH_BUILDS")
nginx_idle=$((build_count * idle))
if [ $((nginx_idle + 2048)) -gt "$(ulimit -Hn)" ]; then
    echo "bench-frontend: nginx cannot hold $build_count x $idle idle connections within this shell's descriptor limit ($(ulimit -Hn)); use a smaller --idle or one build" >&2
    exit 1
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
worktree=""
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "$worktree" ] && git worktree remove --force "$worktree" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# The builds: "new" is this checkout; "old" is REV, in its own worktree and target directory
# (kept under ~/.cache/newsdesk so a second run against the same REV builds nothing).
if [ -n "${BENCH_BUILDS:-}" ]; then
    # Builds made beforehand, as "name:dir" words (e.g. "new:target/release old:/tmp/old"):
    # nothing is built.
    read -ra builds <<<"$BENCH_BUILDS"
else
    cargo build --release --bins --quiet
    builds=("new:$PWD/target/release")
    if [ -n "$against" ]; then
        rev=$(git rev-parse --verify "$against^{commit}")
        worktree="$tmp/old-src"
        git worktree add --detach --quiet "$worktree" "$rev"
        old_target="$HOME/.cache/newsdesk/bench-target"
        (cd "$worktree" && CARGO_TARGET_DIR="$old_target" cargo build --release --bins --quiet)
        builds+=("old:$old_target/release")
        echo "new: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes'); old: ${rev:0:7} ($against)" >&2
    fi
fi

# Feeds: generated RSS on a loopback HTTP server.
feed_port=$PORT_BASE
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
python3 -m http.server "$feed_port" --bind 127.0.0.1 --directory "$tmp/feeds" >/dev/null 2>&1 &
pids+=($!)
{
    printf '[fetch]\nallow_private_networks = true\n\n[[sites]]\nname = "bench"\ntitle = "Bench Report"\nhosts = ["localhost"]\n'
    for s in $(seq 0 $((SOURCES - 1))); do
        printf '\n[[sites.feeds]]\nurl = "http://127.0.0.1:%s/feed%s.xml"\n' "$feed_port" "$s"
    done
} >"$tmp/bench.toml"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$feed_port/feed0.xml" >/dev/null && break; sleep 0.1; done

# Per build: its own bucket published by its own fetcher, its own frontend, and an nginx root
# holding that build's bytes at the same paths: `/` as index.html(.gz), `/api/headlines`,
# and the stylesheet under its hashed name.
nginx_servers=""
i=0
for b in "${builds[@]}"; do
    name=${b%%:*}; bin=${b#*:}
    i=$((i + 1))
    front_port=$((PORT_BASE + 2 * i)); nginx_port=$((PORT_BASE + 2 * i + 1))
    dir="$tmp/$name"; mkdir -p "$dir/www/api" "$dir/www/assets"
    RUST_LOG=warn "$bin/newsdesk-fetcher" --config "$tmp/bench.toml" --store "file://$dir/bucket" sync >/dev/null
    # With --idle, room for the idle connections besides wrk's, and no idle timeout within
    # the run.
    RUST_LOG=warn "${server_cpu[@]}" "$bin/newsdesk-frontend" --store "file://$dir/bucket" --listen "127.0.0.1:$front_port" \
        --max-connections $((idle + 1024)) --idle-timeout 3600 &
    pids+=($!)
    echo "$!" >"$dir/pid"
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$front_port/readyz" >/dev/null && break; sleep 0.1; done
    python3 - "$dir" <<'PY'
import json, os, shutil, sys
d = sys.argv[1]
m = json.load(open(f"{d}/bucket/sites/bench/manifest.json"))
objects = {o["name"]: o.get("object", o) for o in m["objects"]}
def copy(key, dest):
    for ext in ("", ".gz"):
        if os.path.exists(f"{d}/bucket/{key}{ext}"):
            shutil.copy(f"{d}/bucket/{key}{ext}", f"{dest}{ext}")
copy(objects["/"]["key"], f"{d}/www/index.html")
copy(objects["/api/headlines"]["key"], f"{d}/www/api/headlines")
style = m["assets"]["style.css"]
copy(f"assets/{style}", f"{d}/www/assets/{style}")
open(f"{d}/asset", "w").write(f"/assets/{style}")
ids = [n.removeprefix("fragment/") for n in objects if n.startswith("fragment/")]
# Reversed, the first two hidden: a layout every request must assemble or find cached.
layout = ".".join(list(reversed(ids[2:])) + ["!" + i for i in ids[:2]])
open(f"{d}/cookie", "w").write(f"nd_layout=1:{layout}")
PY
    nginx_servers+="    server { listen 127.0.0.1:$nginx_port; root $dir/www; index index.html; gzip_static on; gzip_vary on;
             location /api/ { default_type application/json; } }
"
    echo "$front_port $nginx_port" >"$dir/ports"
done
chmod -R a+rX "$tmp"

mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes $nginx_workers;
worker_rlimit_nofile $((2 * nginx_idle + 4096));
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
daemon off;
events { worker_connections $((nginx_idle + 1024)); }
http {
    access_log off;
    keepalive_timeout 3600s;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    types { text/html html; text/css css; }
$nginx_servers}
EOF
"${server_cpu[@]}" nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
nginx_pid=$!
pids+=($nginx_pid)

# The targets: "build target url [header]"; each frontend target is checked to serve exactly
# the bytes its nginx twin serves (the layout page only to differ from the default page).
: >"$tmp/targets"
for b in "${builds[@]}"; do
    name=${b%%:*}; dir="$tmp/$name"
    read -r front_port nginx_port <"$dir/ports"
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$nginx_port/" >/dev/null && break; sleep 0.1; done
    asset=$(cat "$dir/asset"); cookie=$(cat "$dir/cookie")
    for pair in "front:/" "api:/api/headlines" "asset:$asset"; do
        kind=${pair%%:*}; path=${pair#*:}
        curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:$front_port$path" -o "$tmp/f"
        curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:$nginx_port$path" -o "$tmp/n"
        cmp -s "$tmp/f" "$tmp/n" || { echo "$name $path: frontend and nginx serve different bytes" >&2; exit 1; }
        echo "$name $kind http://127.0.0.1:$front_port$path" >>"$tmp/targets"
        echo "$name nginx-$kind http://127.0.0.1:$nginx_port$path" >>"$tmp/targets"
    done
    curl -sf -H 'Accept-Encoding: gzip' -H "Cookie: $cookie" "http://127.0.0.1:$front_port/" -o "$tmp/l"
    curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:$front_port/" -o "$tmp/f"
    cmp -s "$tmp/f" "$tmp/l" && { echo "$name: the layout page is the default page" >&2; exit 1; }
    echo "$name layout http://127.0.0.1:$front_port/ $cookie" >>"$tmp/targets"
    echo "$name page: $(stat -c %s "$tmp/f") gzip bytes; layout page: $(stat -c %s "$tmp/l") gzip bytes" >&2
done

# CPU time (user + system, clock ticks) used so far by the processes of a target's server: a
# frontend's one process, or nginx's master and workers.
server_ticks() {
    local name=$1 kind=$2 procs
    case "$kind" in
        nginx-*) procs="$nginx_pid $(pgrep -P "$nginx_pid" | tr '\n' ' ')" ;;
        *) procs=$(cat "$tmp/$name/pid") ;;
    esac
    for p in $procs; do awk '{ print $14 + $15 }' "/proc/$p/stat"; done | awk '{ t += $1 } END { print t }'
}

# One wrk run against a target: prints "requests/s p99_ms cpu_us_per_request", the last being
# the server's CPU time over the run divided by the requests it answered. Unlike requests/s,
# which depends on how the 2 cores are shared between wrk and the server in that run, this is
# what a request costs the server, so it moves little from round to round.
measure() {
    local name=$1 kind=$2 url=$3 cookie=${4:-} before
    local args=(-t2 -c64 -d"$DURATION" --latency -H 'Accept-Encoding: gzip')
    [ -n "$cookie" ] && args+=(-H "Cookie: $cookie")
    before=$(server_ticks "$name" "$kind")
    "${client_cpu[@]}" wrk "${args[@]}" "$url" >"$tmp/wrk.out"
    awk -v ticks="$(( $(server_ticks "$name" "$kind") - before ))" -v hz="$(getconf CLK_TCK)" '
        /requests in/ { n = $1 }
        /Requests\/sec/ { rps = $2 }
        /^ +99%/ { v = $2; ms = v + 0; if (v ~ /us$/) ms /= 1000; else if (v ~ /[^m]s$/) ms *= 1000; p99 = ms }
        /Non-2xx/ { bad = 1 }
        END { if (bad) { print "non-2xx responses" > "/dev/stderr"; exit 1 }
              printf "%s %.2f %.2f\n", rps, p99, ticks * 1e6 / hz / n }' "$tmp/wrk.out"
}

# Warm every target up, then alternate them round by round.
while read -r name kind url cookie; do DURATION=2s measure "$name" "$kind" "$url" "$cookie" >/dev/null; done <"$tmp/targets"

# --idle N: N idle keep-alive connections to every server (each made one request first, as a
# browser's would), held by one client process per server through every round.
if [ "$idle" -gt 0 ]; then
    cat >"$tmp/idle.py" <<'PY'
import asyncio, resource, sys
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
async def one(held):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    await r.readuntil(b"\r\n\r\n")
    held.append((r, w))
async def main():
    held = []
    for start in range(0, n, 500):
        await asyncio.gather(*(one(held) for _ in range(start, min(n, start + 500))))
    open(ready, "w").write(str(len(held)))
    while True:
        await asyncio.sleep(5)
        # A connection the server closed reads EOF: report how many are still open.
        alive = sum(not r.at_eof() for r, _ in held)
        open(ready, "w").write(str(alive))
asyncio.run(main())
PY
    for b in "${builds[@]}"; do
        name=${b%%:*}
        read -r front_port nginx_port <"$tmp/$name/ports"
        for port in "$front_port" "$nginx_port"; do
            "${client_cpu[@]}" python3 "$tmp/idle.py" "$port" "$idle" "$tmp/idle-$port" &
            pids+=($!)
        done
    done
    for port_file in $(for b in "${builds[@]}"; do cat "$tmp/${b%%:*}/ports"; done); do
        for _ in $(seq 600); do [ -s "$tmp/idle-$port_file" ] && break; sleep 0.2; done
        [ "$(cat "$tmp/idle-$port_file" 2>/dev/null)" = "$idle" ] ||
            { echo "bench-frontend: could not open $idle idle connections to port $port_file" >&2; exit 1; }
    done
    echo "holding $idle idle keep-alive connections to every server" >&2
fi
: >"$tmp/results"
loads=()
for round in $(seq "$ROUNDS"); do
    loads+=("$(load)")
    while read -r name kind url cookie; do
        echo "$name $kind $(measure "$name" "$kind" "$url" "$cookie")" >>"$tmp/results"
    done <"$tmp/targets"
    echo "round $round done (load $(load))" >&2
done
if [ "$idle" -gt 0 ]; then
    sleep 6
    for f in "$tmp"/idle-*; do
        [ "$(cat "$f")" = "$idle" ] || {
            echo "bench-frontend: idle connections were closed during the run ($f: $(cat "$f") of $idle left); nginx's log ends:" >&2
            tail -n 5 "$tmp/nginx/error.log" >&2
            exit 1
        }
    done
fi
for b in "${builds[@]}"; do
    name=${b%%:*}
    echo "$name $(awk '/VmHWM/ { print $2 }' "/proc/$(cat "$tmp/$name/pid")/status")" >>"$tmp/rss"
done

python3 - "$tmp/results" "$tmp/rss" "$ROUNDS" "$DURATION" "$cores" "${loads[*]}" "$idle" "$load_before" "$pin" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
rss = dict(l.split() for l in open(sys.argv[2]))
builds = sorted({r[0] for r in rows}, key=lambda b: b != "new")
# Rows: build, target, requests/s, p99 ms, CPU microseconds per request.
col = lambda b, k, i: [float(r[i + 1]) for r in rows if r[0] == b and r[1] == k]
print(f"wrk -t2 -c64 -d{sys.argv[4]}, loopback, Accept-Encoding: gzip; medians of {sys.argv[3]} "
      f"interleaved rounds; load average before the run {sys.argv[8]}, per round (the bench's own "
      f"load included) {sys.argv[6]} on {sys.argv[5]} cores"
      + (f"; {sys.argv[7]} idle keep-alive connections held to every server" if sys.argv[7] != "0" else "")
      + ("; servers pinned to CPU 0 (one worker each), wrk to CPU 1" if sys.argv[9] == "1" else ""))
print("(x nginx: median of the per-round ratios of requests/s to nginx serving the same build's bytes;")
print(" CPU: the server's user + system time per request, microseconds, median of the rounds;")
print(" CPU x nginx: nginx's CPU per request over the frontend's, above 1 when a request costs us less)")
targets = [("front", "/"), ("layout", "/ custom layout"), ("api", "/api/headlines"), ("asset", "hashed asset")]
med = statistics.median
print(f"{'build':<6}{'target':<18}{'req/s':>10}{'p99 ms':>9}{'CPU':>7}{'nginx req/s':>13}{'nginx p99':>11}"
      f"{'nginx CPU':>11}{'x nginx':>9}{'range':>12}{'CPU x nginx':>13}")
for b in builds:
    for k, label in targets:
        twin = "nginx-" + ("front" if k == "layout" else k)
        mine, ng = col(b, k, 1), col(b, twin, 1)
        ratios = [a / n for a, n in zip(mine, ng)]
        print(f"{b:<6}{label:<18}{med(mine):>10.0f}{med(col(b, k, 2)):>9.2f}{med(col(b, k, 3)):>7.2f}"
              f"{med(ng):>13.0f}{med(col(b, twin, 2)):>11.2f}{med(col(b, twin, 3)):>11.2f}"
              f"{med(ratios):>9.2f}{min(ratios):>6.2f}-{max(ratios):.2f}"
              f"{med(n / a for a, n in zip(col(b, k, 3), col(b, twin, 3))):>13.2f}")
    print(f"{b:<6}frontend peak RSS: {int(rss[b]) / 1024:.1f} MiB")
if "old" in builds:
    print("new/old: median of the per-round ratios of requests/s (range), and of CPU per request (below 1: cheaper):")
    for k, label in targets:
        r = [a / o for a, o in zip(col("new", k, 1), col("old", k, 1))]
        c = [a / o for a, o in zip(col("new", k, 3), col("old", k, 3))]
        print(f"  {label:<18}{med(r):.2f} ({min(r):.2f}-{max(r):.2f})   CPU {med(c):.2f} ({min(c):.2f}-{max(c):.2f})")
PY
