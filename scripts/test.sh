#!/usr/bin/env bash
# The project's test command: everything CI runs. Installs what the tests need if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Tools the tests drive for real: Chromium (page checks) and systemd-analyze (unit checks).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v systemd-analyze >/dev/null || missing+=(systemd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]} (Debian packages)" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cargo test --locked --all-targets
