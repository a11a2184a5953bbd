#!/usr/bin/env bash
# Search served by a warm frontend under wrk (a measurement, not a test; issue #19's goal of
# <= 5 ms p99). Builds the index of 2,000 feeds x 40 entries plus a year of news (2 entries a
# feed a day: 1.5 million documents) in a local folder bucket with `cargo bench --bench search
# -- --store file://... --publish`, starts the release frontend on it, warms it with one pass
# of the query mix, then times `/api/search` with wrk: each request a query drawn afresh (one
# or two words drawn Zipf-like from the bench's 50,000-word vocabulary, a four-letter prefix,
# or a word found nowhere; a fifth of them page 2), so almost none has a cached answer (the
# few commonest words repeat, as readers' would), each from its own client network (X-Forwarded-For from a trusted proxy) so the per-network limit of 60 a
# minute does not turn them into 429s. Prints wrk's latency percentiles, requests/s and the
# count of non-2xx answers at one and at eight connections, and the frontend's peak RSS beside its
# --cache-mb.
#
#   scripts/bench-search.sh                       # FEEDS=2000 DAYS=365 CACHE_MB=512
#   FEEDS=200 DAYS=30 scripts/bench-search.sh     # a smaller index, for a quick look
#   scripts/bench-search.sh --allow-load          # report even on a loaded machine
#   scripts/bench-search.sh --against OLD_BIN     # also an older build's newsdesk-frontend on the
#                                                 # same index, the two alternating (ROUNDS, default
#                                                 # 3, per connection count): medians and new/old
#
# Refuses to start while the 1-minute load average is above the number of cores.
set -euo pipefail
cd "$(dirname "$0")/.."

FEEDS=${FEEDS:-2000}
DAYS=${DAYS:-365}
CACHE_MB=${CACHE_MB:-512}
DURATION=${DURATION:-10s}
PORT=${PORT:-18290}
allow_load=0
against=""
while [ $# -gt 0 ]; do
    case "$1" in
        --allow-load) allow_load=1; shift ;;
        --against) against="$2"; shift 2 ;;
        *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
[ -z "$against" ] || [ -x "$against" ] || { echo "bench-search: --against $against is not an executable" >&2; exit 2; }

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "bench-search: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
. scripts/load-guard.sh
check_load bench-search "$allow_load"

tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

cargo build --release --locked --quiet --bin newsdesk-frontend
bin=$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release
echo "bench-search: building the index of $FEEDS feeds and $DAYS days..." >&2
cargo bench --locked --quiet --bench search -- --bench --feeds "$FEEDS" --days "$DAYS" \
    --queries 200 --store "file://$tmp/bucket" --publish

# Each frontend timed: name, binary, port.
targets=("new $bin/newsdesk-frontend $PORT")
[ -n "$against" ] && targets+=("old $against $((PORT + 1))")
declare -A pid_of
for t in "${targets[@]}"; do
    read -r name exe port <<<"$t"
    RUST_LOG=warn "$exe" --store "file://$tmp/bucket" --listen "127.0.0.1:$port" \
        --cache-mb "$CACHE_MB" --trusted-proxy 127.0.0.1/32 &
    pids+=($!)
    pid_of[$name]=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
    curl -sf "http://127.0.0.1:$port/api/search?q=ka" >/dev/null ||
        { echo "bench-search: the $name frontend does not answer /api/search" >&2; exit 1; }
done

# The query mix of benches/search.rs, in Lua: word(i) spells i + 10 in syllables, lowest
# digit first; zipf() is 50000^r. Each request a fresh query and a fresh client network.
cat >"$tmp/search.lua" <<'LUA'
local syl = {"ka", "be", "ti", "do", "mu", "ra", "so", "ne", "li", "vo"}
local function word(i)
  local w, n = "", i + 10
  while n > 0 do w = w .. syl[n % 10 + 1]; n = math.floor(n / 10) end
  return w
end
local function zipf() return math.min(math.floor(50000 ^ math.random()), 49999) end
local thread_id = 0
function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end
function init(args)
  math.randomseed(id * 7919 + os.time())
  n = 0
end
function request()
  n = n + 1
  local k, q = n % 4, nil
  if k == 0 then q = word(zipf())
  elseif k == 1 then q = word(zipf()) .. "+" .. word(zipf())
  elseif k == 2 then q = string.sub(word(zipf()), 1, 4)
  else q = word(49999 - math.random(0, 99)) .. "zz" end
  local page = (n % 5 == 0) and "&page=2" or ""
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format("GET", "/api/search?q=" .. q .. page, { ["X-Forwarded-For"] = ip })
end
function done(summary, latency, requests)
  io.write(string.format("  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
LUA

for t in "${targets[@]}"; do
    read -r name exe port <<<"$t"
    echo "bench-search: warming the $name frontend (one pass of the mix)..." >&2
    wrk -t1 -c4 -d"$DURATION" -s "$tmp/search.lua" "http://127.0.0.1:$port" >/dev/null
done
echo "load average before the runs: $(load) ($cores cores)"
rounds=1
[ -n "$against" ] && rounds=${ROUNDS:-3}
for c in 1 8; do
    for round in $(seq "$rounds"); do
        for t in "${targets[@]}"; do
            read -r name exe port <<<"$t"
            echo "$name: wrk -t1 -c$c -d$DURATION, each request a query drawn afresh (round $round):"
            wrk -t1 -c"$c" -d"$DURATION" -s "$tmp/search.lua" "http://127.0.0.1:$port" |
                grep -E "latency ms|Requests/sec|Non-2xx|requests in" | tee -a "$tmp/$name-c$c"
        done
    done
done
for t in "${targets[@]}"; do
    read -r name exe port <<<"$t"
    hwm=$(awk '/VmHWM/ { print $2 }' "/proc/${pid_of[$name]}/status")
    echo "$name frontend peak RSS: $((hwm / 1024)) MiB with --cache-mb $CACHE_MB"
done
curl -sf "http://127.0.0.1:$PORT/metrics" | grep -E '^newsdesk_cache_bytes' || true
if [ -n "$against" ]; then
    python3 - "$tmp" <<'PY'
import re, statistics, sys
folder = sys.argv[1]
def runs(name, c):
    text = open(f"{folder}/{name}-c{c}").read()
    rate = [float(x) for x in re.findall(r"Requests/sec:\s+([\d.]+)", text)]
    p99 = [float(x) for x in re.findall(r"p99 ([\d.]+)", text)]
    return statistics.median(rate), statistics.median(p99)
for c in (1, 8):
    (nr, np), (orate, op) = runs("new", c), runs("old", c)
    print(f"c{c} medians: new {nr:.0f} queries/s p99 {np:.2f} ms; old {orate:.0f} queries/s p99 {op:.2f} ms; "
          f"new/old queries/s {nr / orate:.2f}, p99 {np / op:.2f}")
PY
fi
