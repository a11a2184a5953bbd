#!/usr/bin/env bash
# Lighthouse on the reader page with summaries and thumbnails: 12 generated feeds of 40
# entries, each with a description of about 400 characters (cut to a ~300-character summary)
# and, for one feed, a thumbnail per entry, served on loopback; one fetcher sync into a
# temporary local bucket; the frontend on loopback; Lighthouse (installed from npm into
# ~/.cache/newsdesk/lighthouse on first use) with Debian's chromium, headless, mobile and
# desktop. Prints each performance score (goal >= 0.95) and the page's bytes.
#   scripts/lighthouse.sh [--keep DIR]   (--keep: leave the JSON reports in DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
keep=""
[ "${1:-}" = "--keep" ] && keep=$2
feeds_port=8399
listen=127.0.0.1:8397
lh_dir="$HOME/.cache/newsdesk/lighthouse"

command -v python3 >/dev/null || { echo "lighthouse: needs python3" >&2; exit 1; }
command -v npm >/dev/null || { echo "lighthouse: needs npm (apt-get install npm)" >&2; exit 1; }
chrome=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chrome" ] || { echo "lighthouse: needs chromium (apt-get install chromium)" >&2; exit 1; }
if [ ! -x "$lh_dir/node_modules/.bin/lighthouse" ]; then
  echo "lighthouse: installing Lighthouse into $lh_dir..." >&2
  mkdir -p "$lh_dir"
  npm install --prefix "$lh_dir" --no-audit --no-fund --loglevel=error lighthouse@12 >&2
fi

cargo build --release --locked --quiet --bins
bin=$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/feeds/img"
python3 - "$work" "$feeds_port" <<'PY'
import datetime, email.utils, pathlib, random, struct, sys, zlib
work, port = pathlib.Path(sys.argv[1]), sys.argv[2]
words = ("the of and to in a is that for it as was with on be by at this from have or are an "
         "they which government minister said report new people year city police company market "
         "shares after week would could council plans school health workers election vote court "
         "judge climate energy prices rise fall record study scientists found research data "
         "software release security update users phone network service storm flood coast river "
         "train airport strike union talks deal trade tariffs exports bank interest rates "
         "inflation budget hospital patients doctors museum festival film music team season match "
         "coach players league final first last million billion percent officials announced "
         "expected warned according Tuesday Monday spokesperson region national local").split()
rng = random.Random(18)
now = datetime.datetime.now(datetime.timezone.utc)
def png(w, h, rgb):
    raw = b"".join(b"\0" + bytes(rgb) * w for _ in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
for f in range(12):
    items = []
    for k in range(40):
        text = ""
        while len(text) < 400:
            text += rng.choice(words) + " "
        when = email.utils.format_datetime(now - datetime.timedelta(minutes=20 + 37 * k + f), usegmt=True)
        thumb = ""
        if f == 0:
            (work / "feeds/img" / f"{k}.png").write_bytes(png(160, 90, (40 + 5 * k, 90, 160)))
            thumb = f'<media:thumbnail url="http://127.0.0.1:{port}/img/{k}.png"/>'
        items.append(
            f"<item><title>Source {f} story {k}: {' '.join(rng.choice(words) for _ in range(8))}</title>"
            f"<link>https://source{f}.example/{k}</link><guid>s{f}-{k}</guid><pubDate>{when}</pubDate>"
            f"<description>&lt;p&gt;{text.strip()}.&lt;/p&gt;</description>{thumb}</item>")
    (work / "feeds" / f"f{f}.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>Source {f}</title><link>https://source{f}.example/</link>"
        + "".join(items) + "</channel></rss>")
config = ["[fetch]\nallow_private_networks = true\n\n[[sites]]\nname = \"lh\"\ntitle = \"Lighthouse\"\n"]
for f in range(12):
    config.append(f"\n[[sites.feeds]]\nurl = \"http://127.0.0.1:{port}/f{f}.xml\"\n"
                  + ("images = true\n" if f == 0 else ""))
(work / "config.toml").write_text("".join(config))
PY
python3 -m http.server "$feeds_port" --bind 127.0.0.1 --directory "$work/feeds" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $feeds_port), 1)" 2>/dev/null && break
  sleep 0.1
done
store="file://$work/bucket"
"$bin/newsdesk-fetcher" --config "$work/config.toml" --store "$store" sync --force >&2
"$bin/newsdesk-frontend" --store "$store" --listen "$listen" >"$work/frontend.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -fs "http://$listen/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://$listen/" -o "$work/page.html"
gzip_bytes=$(curl -fs -H 'Accept-Encoding: gzip' "http://$listen/" | wc -c)
echo "page: $(wc -c <"$work/page.html") B identity, $gzip_bytes B gzip, $(grep -o 'class="sum"' "$work/page.html" | wc -l) summaries, $(grep -o '/assets/thumb\.' "$work/page.html" | wc -l) thumbnails"

for form in mobile desktop; do
  preset=()
  [ "$form" = desktop ] && preset=(--preset=desktop)
  CHROME_PATH="$chrome" "$lh_dir/node_modules/.bin/lighthouse" "http://$listen/" \
    --quiet --only-categories=performance "${preset[@]}" \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
    --output=json --output-path="$work/$form.json" >/dev/null 2>"$work/$form.log" || {
    cat "$work/$form.log" >&2
    exit 1
  }
  python3 - "$work/$form.json" "$form" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = r["audits"]
print("%s: performance %.2f; FCP %s, LCP %s, TBT %s, CLS %s, transfer %s" % (
    sys.argv[2], r["categories"]["performance"]["score"],
    a["first-contentful-paint"]["displayValue"], a["largest-contentful-paint"]["displayValue"],
    a["total-blocking-time"]["displayValue"], a["cumulative-layout-shift"]["displayValue"],
    a["total-byte-weight"]["displayValue"]))
PY
  [ -n "$keep" ] && mkdir -p "$keep" && cp "$work/$form.json" "$keep/"
done
