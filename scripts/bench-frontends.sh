#!/usr/bin/env bash
# Many frontends on one bucket (a measurement, not a test): starts a single Garage node on
# loopback (scripts/garage.sh, installed into ~/.cache/newsdesk on first use) and runs
# benches/frontends.rs against it: FRONTENDS frontends polling, a fetcher publishing one site
# at a time; prints bucket requests per second and how long a new generation takes to reach
# every frontend.
#
#   scripts/bench-frontends.sh                                  # 100 frontends, 50 sites, poll 5 s
#   scripts/bench-frontends.sh --frontends 20 --sites 200 --poll 2
set -euo pipefail
cd "$(dirname "$0")/.."

dir=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-bench-garage.XXXXXX")
trap 'scripts/garage.sh stop --dir "$dir"; rm -rf "$dir"' EXIT
scripts/garage.sh start --dir "$dir" --port "${GARAGE_PORT:-39600}" >/dev/null
set -a
# shellcheck disable=SC1091
. "$dir/env"
set +a
cargo bench --locked --quiet --bench frontends -- "$@"
