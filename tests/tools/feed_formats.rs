//! Every feed-format fixture read by Python's feedparser and by us: the feed's title, and each
//! entry's title and link, are the same. Where we differ from feedparser by design,
//! [`EXCEPTIONS`] and [`expected_from`] say so and why.

use std::process::Command;

use newsdesk::feed::MAX_TITLE_CHARS;

use crate::support::formats::{BASE, dir, read};

/// The format feedparser must recognise in each fixture (its `version`): the fixtures are what
/// their names say. A new fixture must be listed here.
const FORMATS: &[(&str, &str)] = &[
    ("atom03.xml", "atom03"),
    // feedparser reads CDF but names no version for it.
    ("cdf.xml", ""),
    ("channel-only.xml", "rss20"),
    ("dc-title.xml", "rss20"),
    ("items-empty.xml", "rss20"),
    ("rdf10.xml", "rss10"),
    ("rss-noversion.xml", "rss"),
    ("rss-userland-namespace.xml", "rss20"),
    ("rss090.xml", "rss090"),
    ("rss091.xml", "rss091n"),
    ("rss092.xml", "rss092"),
    ("rss093.xml", "rss093"),
    ("rss094.xml", "rss094"),
    ("title-escaped-html.xml", "rss20"),
    ("title-inline-xhtml.xml", "atom10"),
    ("xml-base.xml", "atom10"),
];

/// Where we differ from feedparser on purpose: (fixture, entry, feedparser's title, ours, why).
const EXCEPTIONS: &[(&str, usize, &str, &str, &str)] = &[(
    "title-inline-xhtml.xml",
    0,
    "Kerning pairs & <font> tags",
    "Kerning pairs & tags",
    "no known HTML tag is ever left in a title, even one the feed wrote as text \
     (feeds escape their markup once too often; tests/feed_properties.rs)",
)];

/// feedparser over every fixture: its version, the feed's title and each entry's title, link and
/// summary, as JSON. Titles and summaries typed HTML are reduced to their text (html.parser, a
/// block element or `<br>` a space), as we show them; whitespace is collapsed.
const FEEDPARSER: &str = r#"
import html.parser, json, sys
import feedparser

BLOCK = {'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt',
         'figcaption', 'figure', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr',
         'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'td', 'th', 'tr', 'ul'}

class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0
    def handle_starttag(self, tag, attrs):
        self.skip += tag in ('script', 'style')
        if tag in BLOCK:
            self.parts.append(' ')
    def handle_endtag(self, tag):
        if tag in ('script', 'style') and self.skip:
            self.skip -= 1
        if tag in BLOCK:
            self.parts.append(' ')
    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)

def text(value, detail):
    if not value:
        return ''
    if 'html' in (detail or {}).get('type', ''):
        parser = Text()
        parser.feed(value)
        parser.close()
        value = ''.join(parser.parts)
    return ' '.join(value.split())

base, out = sys.argv[1], []
for path in sys.argv[2:]:
    with open(path, 'rb') as f:
        d = feedparser.parse(f.read(), response_headers={
            'content-location': base, 'content-type': 'application/xml'})
    out.append({
        'version': d.version,
        'title': text(d.feed.get('title'), d.feed.get('title_detail')),
        'entries': [{
            'title': text(e.get('title'), e.get('title_detail')),
            'link': e.get('link') or '',
            'summary': text(e.get('summary'), e.get('summary_detail')),
        } for e in d.entries],
    })
print(json.dumps(out))
"#;

const INSTALL: &str = "python3 -m pip install 'feedparser>=6,<7' (scripts/test.sh installs it)";

/// What we should show for an entry feedparser reads as `fp`, by our rules: a title-less entry is
/// named by its summary (feedparser leaves the title empty), titles are capped at
/// MAX_TITLE_CHARS, and only http(s) links are kept.
fn expected_from(fp: &serde_json::Value) -> (String, Option<String>) {
    let field = |name: &str| fp[name].as_str().unwrap_or_default().to_string();
    let mut title = field("title");
    if title.is_empty() {
        title = field("summary");
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        title = title.chars().take(MAX_TITLE_CHARS - 1).collect::<String>();
        title = format!("{}…", title.trim_end());
    }
    let link =
        Some(field("link")).filter(|l| l.starts_with("http://") || l.starts_with("https://"));
    (title, link)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn feedparser_reads_the_same_titles_and_links() {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let listed: Vec<&str> = FORMATS.iter().map(|(f, _)| *f).collect();
    assert_eq!(files, listed, "every fixture, and only those, in FORMATS");

    let output = Command::new("python3")
        .arg("-c")
        .arg(FEEDPARSER)
        .arg(BASE)
        .args(files.iter().map(|f| dir().join(f)))
        .output()
        .unwrap_or_else(|e| panic!("python3 could not be run ({e}): install it, then {INSTALL}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("No module named 'feedparser'"),
        "Python's feedparser is missing: {INSTALL}"
    );
    assert!(output.status.success(), "feedparser failed: {stderr}");
    let results: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();

    let mut differences = vec![];
    let mut compared = (0, 0);
    for ((file, version), fp) in FORMATS.iter().zip(&results) {
        let mut differ = |what: String| differences.push(format!("{file}: {what}"));
        if fp["version"] != *version {
            differ(format!(
                "feedparser reads it as {}, not {version}",
                fp["version"]
            ));
        }
        let fp_entries = fp["entries"].as_array().unwrap();
        let ours = match read(file) {
            Ok(feed) => feed,
            Err(e) => {
                // Ours is an error only where feedparser finds items but nothing to show.
                let nothing = fp_entries
                    .iter()
                    .all(|e| expected_from(e) == (String::new(), None));
                if fp_entries.is_empty() || !nothing {
                    differ(format!(
                        "we fail ({e}) where feedparser reads {fp_entries:?}"
                    ));
                }
                continue;
            }
        };
        compared.0 += 1;
        if ours.title.as_deref().map(collapse) != Some(collapse(fp["title"].as_str().unwrap())) {
            differ(format!(
                "feed title {:?}, feedparser {}",
                ours.title, fp["title"]
            ));
        }
        if ours.entries.len() != fp_entries.len() {
            differ(format!(
                "{} entries, feedparser {}",
                ours.entries.len(),
                fp_entries.len()
            ));
        }
        for (i, (e, fp_e)) in ours.entries.iter().zip(fp_entries).enumerate() {
            compared.1 += 1;
            let (mut title, link) = expected_from(fp_e);
            if let Some((.., says, we_say, _why)) = EXCEPTIONS
                .iter()
                .find(|(f, index, ..)| f == file && *index == i)
            {
                assert_eq!(
                    title, *says,
                    "{file} entry {i}: the exception is out of date"
                );
                title = we_say.to_string();
            }
            if collapse(&e.title) != collapse(&title) {
                differ(format!(
                    "entry {i} title {:?}, feedparser {title:?}",
                    e.title
                ));
            }
            if e.link != link {
                differ(format!("entry {i} link {:?}, feedparser {link:?}", e.link));
            }
        }
    }
    println!(
        "compared with feedparser: {} fixtures ({} read, {} entries), {} differences",
        files.len(),
        compared.0,
        compared.1,
        differences.len()
    );
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
