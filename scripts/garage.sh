#!/usr/bin/env bash
# A local Garage S3 store on loopback, for tests, benchmarks and demos.
#
#   scripts/garage.sh start --dir DIR --port P [--nodes 1|3]   # prints NEWSDESK_STORE=..., AWS_* lines
#   scripts/garage.sh stop  --dir DIR [--node K]               # all nodes, or only node K (0-based)
#
# Node K listens on loopback only: S3 API on P+4K, RPC on P+4K+1, web on P+4K+2, admin on
# P+4K+3. The S3 endpoint printed is node 0's. One node runs with replication_factor = 1,
# three with replication_factor = 3 (any one node may be down). The output is also written to
# DIR/env, ready for `set -a; . DIR/env; set +a`.
#
# Garage ignores If-None-Match/If-Match on PUT, so the store URL carries
# conditional_put=disabled (see SCALING.md, "Publishing").
#
# Garage 2.5.0 is installed with cargo into ~/.cache/newsdesk/garage-2.5.0 when missing
# (a few minutes, once); set GARAGE_BIN to use another binary.
set -euo pipefail

GARAGE_VERSION=2.5.0
GARAGE_ROOT="${GARAGE_ROOT:-$HOME/.cache/newsdesk/garage-$GARAGE_VERSION}"
GARAGE_BIN="${GARAGE_BIN:-$GARAGE_ROOT/bin/garage}"
BUCKET=newsdesk
# Fixed test credentials: this store only ever listens on loopback.
KEY_ID=GK0123456789abcdef01234567
SECRET=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
RPC_SECRET=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210

die() { echo "garage.sh: $*" >&2; exit 1; }

usage() { sed -n '4,5p' "$0" | sed 's/^# //' >&2; exit 2; }

cmd="${1:-}"; [ -n "$cmd" ] || usage; shift
dir=""; port=""; nodes=1; only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --nodes) nodes="$2"; shift 2 ;;
    --node) only="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ -n "$dir" ] || die "--dir is required"
case "$nodes" in 1|3) ;; *) die "--nodes must be 1 or 3, not $nodes" ;; esac

node_dir() { echo "$dir/node$1"; }
g() { "$GARAGE_BIN" -c "$(node_dir "$1")/garage.toml" "${@:2}"; }

stop_node() {
  local pidfile; pidfile="$(node_dir "$1")/pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill "$pid" 2>/dev/null; then
    # Bounded wait: 10 s for a clean exit, then SIGKILL.
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

stop_all() {
  for d in "$dir"/node*; do
    [ -d "$d" ] && stop_node "${d##*/node}"
  done
  return 0
}

install_garage() {
  [ -x "$GARAGE_BIN" ] && return 0
  command -v cargo >/dev/null || die "cargo is needed to install Garage $GARAGE_VERSION"
  echo "garage.sh: installing Garage $GARAGE_VERSION into $GARAGE_ROOT (once; takes a few minutes)" >&2
  cargo install --locked "garage@$GARAGE_VERSION" --root "$GARAGE_ROOT" >&2
  [ -x "$GARAGE_BIN" ] || die "cargo install finished but $GARAGE_BIN is missing"
}

write_config() {
  local base=$(( port + 4 * $1 )) d; d=$(node_dir "$1")
  mkdir -p "$d/meta" "$d/data"
  cat >"$d/garage.toml" <<EOF
metadata_dir = "$d/meta"
data_dir = "$d/data"
db_engine = "sqlite"
metadata_fsync = false
data_fsync = false
replication_factor = $nodes
rpc_bind_addr = "127.0.0.1:$(( base + 1 ))"
rpc_public_addr = "127.0.0.1:$(( base + 1 ))"
rpc_secret = "$RPC_SECRET"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$base"
root_domain = ".s3.garage.localhost"

[s3_web]
bind_addr = "127.0.0.1:$(( base + 2 ))"
root_domain = ".web.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$(( base + 3 ))"
EOF
}

# Runs "$@" until it succeeds, for at most $1 tenths of a second.
retry() {
  local tries=$1; shift
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  "$@"
}

start() {
  [ -n "$port" ] || die "--port is required"
  install_garage
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  for k in $(seq 0 $(( nodes - 1 ))); do
    [ -f "$(node_dir "$k")/pid" ] && kill -0 "$(cat "$(node_dir "$k")/pid")" 2>/dev/null \
      && die "node $k is already running in $dir (run: $0 stop --dir $dir)"
  done
  # Whatever fails from here on must not leave a server behind.
  trap 'stop_all' EXIT
  local ids=()
  for k in $(seq 0 $(( nodes - 1 ))); do
    write_config "$k"
    local d; d=$(node_dir "$k")
    RUST_LOG=warn "$GARAGE_BIN" -c "$d/garage.toml" server >"$d/server.log" 2>&1 &
    echo $! >"$d/pid"
  done
  for k in $(seq 0 $(( nodes - 1 ))); do
    retry 300 g "$k" status || die "node $k did not answer in 30 s; see $(node_dir "$k")/server.log"
    ids+=("$(g "$k" node id -q 2>/dev/null)")
  done
  for k in $(seq 1 $(( nodes - 1 ))); do
    retry 100 g 0 node connect "${ids[$k]}" || die "node 0 cannot connect to node $k"
  done
  local layout_version
  layout_version=$(g 0 layout show 2>/dev/null | sed -n 's/^Current cluster layout version: *//p')
  if [ "${layout_version:-0}" = "0" ]; then
    for id in "${ids[@]}"; do
      g 0 layout assign -z dc1 -c 1G "${id%@*}" >/dev/null
    done
    g 0 layout apply --version 1 >/dev/null
  fi
  g 0 bucket info "$BUCKET" >/dev/null 2>&1 || retry 100 g 0 bucket create "$BUCKET"
  g 0 key info "$KEY_ID" >/dev/null 2>&1 || g 0 key import --yes -n newsdesk-test "$KEY_ID" "$SECRET" >/dev/null
  g 0 bucket allow --read --write --owner "$BUCKET" --key "$KEY_ID" >/dev/null
  # Ready when the S3 port gives any HTTP answer (403 without credentials), not a refused connection.
  local s3="http://127.0.0.1:$port"
  retry 100 curl -s -o /dev/null --max-time 2 "$s3/" || die "S3 API on $s3 does not answer"
  trap - EXIT
  {
    echo "NEWSDESK_STORE='s3://$BUCKET?endpoint=$s3&region=garage&conditional_put=disabled'"
    echo "AWS_ACCESS_KEY_ID='$KEY_ID'"
    echo "AWS_SECRET_ACCESS_KEY='$SECRET'"
  } | tee "$dir/env"
}

case "$cmd" in
  start) start ;;
  stop)
    [ -d "$dir" ] || exit 0
    if [ -n "$only" ]; then stop_node "$only"; else stop_all; fi ;;
  *) usage ;;
esac
