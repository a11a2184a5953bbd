#!/usr/bin/env bash
# The project's test command: everything CI runs. Installs what the tests need if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked --all-targets
