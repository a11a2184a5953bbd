#!/usr/bin/env bash
# CPU per feed: newsdesk's parse + normalize + merge + render (benches/parse.rs, release build)
# against Python feedparser, the parser LinuxReport uses, on the same 1000 generated feeds of
# 40 entries, measured in the same run. Prints both medians and the ratio (goal: >= 30x).
#   ROUNDS_RUST (default 7), ROUNDS_PY (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c 'import feedparser' 2>/dev/null || {
    echo "bench-parse: needs Python feedparser (pip install feedparser)" >&2
    exit 1
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

rust=$(cargo bench --quiet --bench parse -- --rounds "${ROUNDS_RUST:-7}" --write "$dir/feeds")
python=$(python3 scripts/bench_feedparser.py "$dir/feeds" "${ROUNDS_PY:-3}")
grep -v '_us_per_feed=' <<<"$rust"
grep -v '_us_per_feed=' <<<"$python"
rust_us=$(sed -n 's/^rust_us_per_feed=//p' <<<"$rust")
python_us=$(sed -n 's/^python_us_per_feed=//p' <<<"$python")
awk -v r="$rust_us" -v p="$python_us" 'BEGIN { printf "ratio: feedparser uses %.1fx the CPU per feed of newsdesk (goal >= 30x)\n", p / r }'
