#!/usr/bin/env bash
# Installs newsdesk on a systemd machine: the two binaries, the units, an example config, the
# environment file and the README, then prints the next steps. Safe to run again (to upgrade,
# or to check): it changes only what differs, never touches your config or environment file,
# and says "nothing to do" when everything is in place.
#
#   sudo scripts/install.sh [--prefix /usr/local] [--bin-dir DIR] [--destdir DIR] [--dry-run]
#
#   --prefix DIR   binaries go to DIR/bin and the docs to DIR/share/doc/newsdesk; the units
#                  are rewritten to run them from there (default /usr/local)
#   --bin-dir DIR  take newsdesk-fetcher and newsdesk-frontend from DIR (e.g. a release
#                  download) instead of building them with `cargo build --release --locked`
#   --destdir DIR  stage everything under DIR instead of / (packages, tests); the paths written
#                  into the files stay the real ones
#   --dry-run      print every action, change nothing
#
# What goes where (under DESTDIR if given):
#   PREFIX/bin/newsdesk-fetcher, newsdesk-frontend           replaced when they differ
#   /etc/systemd/system/newsdesk-fetcher.{service,timer},
#     newsdesk-frontend.service                              replaced when they differ
#   PREFIX/share/doc/newsdesk/README.md, newsdesk.example.toml, newsdesk.example.env
#   /etc/newsdesk/newsdesk.toml  the example config          only if missing, never overwritten
#   /etc/newsdesk/newsdesk.env   commented, mode 0600        only if missing, never overwritten
# No user account is made: the units run as a systemd DynamicUser named newsdesk.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
bin_dir=""
destdir=""
dry_run=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() {
  echo "install.sh: $*" >&2
  exit 1
}
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --bin-dir) bin_dir=${2:?--bin-dir needs a directory}; shift 2 ;;
    --destdir) destdir=${2:?--destdir needs a directory}; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument $1" ;;
  esac
done

# The prefix is written into the units, so keep it to characters systemd and sed take as-is.
[[ $prefix =~ ^/[A-Za-z0-9._/+-]*$ ]] || die "--prefix must be an absolute path of letters, digits and ._/+- (got $prefix)"
prefix=${prefix%/}
if [ -n "$destdir" ]; then
  destdir=$(realpath -m -- "$destdir")
  [ "$destdir" != / ] || destdir=""
fi

units=(newsdesk-fetcher.service newsdesk-fetcher.timer newsdesk-frontend.service)
bins=(newsdesk-fetcher newsdesk-frontend)
doc=$prefix/share/doc/newsdesk
changes=0
work=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- the binaries: given, or built ---
if [ -n "$bin_dir" ]; then
  for b in "${bins[@]}"; do
    [ -x "$bin_dir/$b" ] || die "--bin-dir $bin_dir has no executable $b"
  done
else
  command -v cargo >/dev/null ||
    die "cargo is missing: install Rust (https://rustup.rs) or pass --bin-dir with built binaries"
  # Wherever cargo puts them (CARGO_TARGET_DIR, a config's build.target-dir, or ./target).
  target=$(cargo metadata --format-version 1 --no-deps --locked |
    grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)
  [ -n "$target" ] || die "cannot find cargo's target directory (cargo metadata)"
  bin_dir=$target/release
  if [ $dry_run = 1 ]; then
    echo "would run: cargo build --release --locked --bins (then install from $bin_dir)"
  else
    echo "install.sh: building (release; the first build takes a few minutes)..." >&2
    cargo build --release --locked --quiet --bins
  fi
fi

# Refuse before changing anything when a destination cannot be written (not root?).
writable() {
  local d=$1
  while [ ! -e "$d" ]; do d=$(dirname "$d"); done
  [ -w "$d" ]
}
if [ $dry_run = 0 ]; then
  for d in "$destdir$prefix/bin" "$destdir$doc" "$destdir/etc/systemd/system" "$destdir/etc/newsdesk"; do
    writable "$d" || die "cannot write $d: run as root (sudo), or choose --prefix/--destdir"
  done
fi

# put SRC DEST MODE: install SRC as DEST unless DEST already has that content and mode.
put() {
  local src=$1 dest=$2 mode=$3 target=$destdir$2 verb=install
  if [ ! -e "$src" ]; then
    # Only in a dry run before the first build.
    echo "would install $dest (mode $mode) once built"
    changes=$((changes + 1))
    return
  fi
  if [ -f "$target" ] && cmp -s "$src" "$target" && [ "$(stat -c %a "$target")" = "${mode#0}" ]; then
    return
  fi
  [ -e "$target" ] && verb=update
  changes=$((changes + 1))
  if [ $dry_run = 1 ]; then
    echo "would $verb $dest (mode $mode)"
  else
    install -D -m "$mode" "$src" "$target"
    echo "$verb $dest"
  fi
}

# put_once SRC DEST MODE: install SRC as DEST only if DEST does not exist: it is the operator's.
put_once() {
  local src=$1 dest=$2 mode=$3
  if [ -e "$destdir$dest" ]; then
    echo "keep $dest (yours: never overwritten; the new example is in $doc)"
    return
  fi
  put "$src" "$dest" "$mode"
}

for b in "${bins[@]}"; do
  put "$bin_dir/$b" "$prefix/bin/$b" 0755
done
for u in "${units[@]}"; do
  # The units name /usr/local; point them at the prefix.
  sed -e "s|/usr/local/bin/|$prefix/bin/|g" \
    -e "s|file:///usr/local/share/doc/newsdesk/|file://$doc/|g" "systemd/$u" >"$work/$u"
  put "$work/$u" "/etc/systemd/system/$u" 0644
done
put README.md "$doc/README.md" 0644
put sites/default.toml "$doc/newsdesk.example.toml" 0644
put systemd/newsdesk.env "$doc/newsdesk.example.env" 0644
put_once sites/default.toml /etc/newsdesk/newsdesk.toml 0644
# It may hold S3 keys: readable by root only (systemd reads it before dropping privileges).
put_once systemd/newsdesk.env /etc/newsdesk/newsdesk.env 0600

echo
if [ $changes = 0 ]; then
  echo "install.sh: nothing to do: everything is installed and up to date${destdir:+ under $destdir}"
elif [ $dry_run = 1 ]; then
  echo "install.sh: dry run: $changes change(s) would be made${destdir:+ under $destdir}; nothing was changed"
else
  echo "install.sh: $changes file(s) installed or updated${destdir:+ under $destdir}"
fi
cat <<EOF

Next steps:
  1. Edit /etc/newsdesk/newsdesk.toml: your sites and feeds (every key is in
     $doc/README.md, "Configuration"). For an S3 bucket, set
     NEWSDESK_STORE and the keys in /etc/newsdesk/newsdesk.env (README.md, "Deployment").
  2. Try the config without touching the bucket (fetches every feed once, lists failures):
       $prefix/bin/newsdesk-fetcher --config /etc/newsdesk/newsdesk.toml --store memory:// sync
  3. Load and start the units (a pass every 5 minutes; the frontend on 127.0.0.1:8080):
       systemctl daemon-reload
       systemctl enable --now newsdesk-fetcher.timer newsdesk-frontend.service
       systemctl start newsdesk-fetcher.service     # the first pass now, not at the next tick
  4. Check:
       curl -fsS http://127.0.0.1:8080/readyz      # "ready" once a site was published
       journalctl -u newsdesk-fetcher.service      # each pass, with a table of failed feeds
EOF
