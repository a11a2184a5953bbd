#!/usr/bin/env bash
# CPU per feed: newsdesk's parse + normalize + merge + render (benches/parse.rs, release build)
# against Python feedparser, the parser LinuxReport uses, on the same 1000 generated feeds of
# 40 entries, measured in the same run. The two alternate, PAIRS times (default 5): this
# machine's speed drifts by a third over minutes, and a ratio of two figures taken minutes
# apart measured the drift as much as the parsers. Prints each pair, then the medians and the
# median of the pairs' ratios with their range (goal: >= 30x).
#   PAIRS (default 5), ROUNDS_RUST (rounds per newsdesk run, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c 'import feedparser' 2>/dev/null || {
    echo "bench-parse: needs Python feedparser (pip install feedparser)" >&2
    exit 1
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cargo bench --quiet --bench parse --no-run
rust_us=() python_us=() ratios=()
for pair in $(seq "${PAIRS:-5}"); do
    rust=$(cargo bench --quiet --bench parse -- --rounds "${ROUNDS_RUST:-5}" --write "$dir/feeds")
    python=$(python3 scripts/bench_feedparser.py "$dir/feeds" 1)
    r=$(sed -n 's/^rust_us_per_feed=//p' <<<"$rust")
    p=$(sed -n 's/^python_us_per_feed=//p' <<<"$python")
    rust_us+=("$r") python_us+=("$p")
    ratios+=("$(awk -v r="$r" -v p="$p" 'BEGIN { printf "%.1f", p / r }')")
    echo "pair $pair: newsdesk $r us, feedparser $p us per feed: ${ratios[-1]}x"
    [ "$pair" = 1 ] && grep -v '_per_' <<<"$rust"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
range() { printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd-; }
echo "newsdesk median $(median "${rust_us[@]}") us per feed ($(range "${rust_us[@]}"))"
echo "feedparser median $(median "${python_us[@]}") us per feed ($(range "${python_us[@]}"))"
echo "ratio: feedparser uses $(median "${ratios[@]}")x the CPU per feed of newsdesk, median of ${#ratios[@]} pairs ($(range "${ratios[@]}")) (goal >= 30x)"
