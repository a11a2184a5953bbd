//! Feed formats feed-rs does not read as they come, rewritten into ones it does.
//!
//! feed-rs reads RSS 0.91, 0.92 and 2.0, RSS 1.0 and Atom 1.0, each only in its own namespace.
//! Python's feedparser, the reference for what a reader should read, also takes:
//! - Atom 0.3 and its drafts: another namespace, `issued`/`modified`/`tagline`/`copyright`, and
//!   text typed by MIME type and `mode`. feed-rs saw no title and no entry in them.
//! - RSS 0.90 (RDF in Netscape's namespace) and RSS in Userland's or Harvard's namespaces: the
//!   same silence.
//! - `<rss>` without a version or with another one (0.93, 0.94, 2.0.1): "no root element".
//! - `dc:title` where `title` is missing, on a channel or an item: feed-rs ignores it.
//! - RSS 1.0 items without a `link`: feed-rs drops them, feedparser keeps their title.
//! - JSON Feed's item `image`, which feed-rs drops, and a `media:thumbnail` without a
//!   `media:content` beside it, which feed-rs drops too: read on their own ([`json_images`],
//!   [`media_thumbnails`]).
//! - CDF, Internet Explorer 4's channels (`<CHANNEL HREF>`, `<ITEM HREF>`, `<TITLE>`), and an
//!   RSS `<channel>` without its `<rss>`: "no root element".
//!
//! Such a document is rewritten in one pass of quick-xml (the XML reader under feed-rs): a few
//! tags are renamed, retyped or dropped, everything else is copied byte for byte, and feed-rs
//! parses the result. RSS 2.0 and Atom 1.0 never pay for it: their root element says they need
//! nothing, and `dc:title` is only looked for when a title is missing ([`mentions_dublin_core`]).

use std::borrow::Cow;

use memchr::memmem;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::{NsReader, Reader};

const RSS_10: &str = "http://purl.org/rss/1.0/";
const ATOM_10: &str = "http://www.w3.org/2005/Atom";
const DUBLIN_CORE: &str = "http://purl.org/dc/elements/1.1/";

/// Namespaces feedparser reads as RSS, besides RSS 1.0's own (its `supported_namespaces`).
const LEGACY_RSS: &[&str] = &[
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://blogs.law.harvard.edu/tech/rss",
    "http://purl.org/rss/1.0/modules/rss091#",
];

/// Namespaces of Atom 0.3 and the drafts before it, which feedparser reads as Atom.
const LEGACY_ATOM: &[&str] = &[
    "http://purl.org/atom/ns#",
    "http://purl.org/echo/",
    "http://purl.org/pie/",
    "http://example.com/newformat#",
    "http://example.com/necho",
    "uri/of/echo/namespace#",
];

/// How a document must be rewritten for feed-rs to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rewrite {
    /// Atom 0.3 or an earlier draft, to Atom 1.0.
    Atom03,
    /// RSS 0.90 or 1.0 (RDF), to RSS 2.0: the channel's children and the items in one channel.
    Rdf,
    /// Any RSS, to RSS 2.0 in RSS's namespace, with `dc:title` where `title` is missing.
    Rss,
    /// CDF or a bare RSS `<channel>`, to RSS 2.0: tag names in lowercase, `HREF` a `link`,
    /// `ABSTRACT` a `description`, `BASE` an `xml:base`. A channel inside the channel is left
    /// out, as feed-rs leaves it.
    Cdf,
}

/// What a namespace is to a feed reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// No namespace: feed-rs takes the root's format.
    Unbound,
    Rss,
    Atom,
    DublinCore,
    /// A namespace feedparser reads as RSS and feed-rs does not (also RSS 1.0's in another case).
    LegacyRss,
    /// A namespace feedparser reads as Atom and feed-rs does not.
    LegacyAtom,
    Other,
}

impl Ns {
    fn of(uri: &str) -> Ns {
        let uri = uri.trim();
        let is = |known: &str| uri.eq_ignore_ascii_case(known);
        match uri {
            RSS_10 => Ns::Rss,
            ATOM_10 => Ns::Atom,
            DUBLIN_CORE => Ns::DublinCore,
            _ if is(RSS_10) || LEGACY_RSS.iter().any(|k| is(k)) => Ns::LegacyRss,
            // feedparser takes every namespace of backend.userland.com/rss* (rss2, rss092, ...).
            _ if uri
                .to_ascii_lowercase()
                .contains("backend.userland.com/rss") =>
            {
                Ns::LegacyRss
            }
            _ if is(ATOM_10) || LEGACY_ATOM.iter().any(|k| is(k)) => Ns::LegacyAtom,
            _ => Ns::Other,
        }
    }

    fn resolved(result: &ResolveResult) -> Ns {
        match result {
            ResolveResult::Bound(ns) => Ns::of(ns.into_inner()),
            ResolveResult::Unbound => Ns::Unbound,
            ResolveResult::Unknown(_) => Ns::Other,
        }
    }

    /// The namespace feed-rs reads in its place, for one it does not.
    fn modern(self) -> Option<&'static str> {
        match self {
            Ns::LegacyRss => Some(RSS_10),
            Ns::LegacyAtom => Some(ATOM_10),
            _ => None,
        }
    }

    fn is_rss(self) -> bool {
        matches!(self, Ns::Unbound | Ns::Rss | Ns::LegacyRss)
    }
}

/// The document's root element, read from its first bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Root {
    pub name: String,
    /// Its namespace, if it has one.
    pub namespace: Option<String>,
    /// What the document needs before feed-rs can read it; `None` for what it reads as is.
    pub rewrite: Option<Rewrite>,
}

/// The root element, if the document starts like XML; costs the prolog and one tag.
pub(super) fn sniff(bytes: &[u8]) -> Option<Root> {
    let mut reader = NsReader::from_reader(bytes);
    loop {
        let (resolved, event) = reader.read_resolved_event().ok()?;
        let ns = Ns::resolved(&resolved);
        let namespace = match resolved {
            ResolveResult::Bound(ns) => Some(ns.into_inner().to_string()),
            _ => None,
        };
        let (Event::Start(e) | Event::Empty(e)) = event else {
            if matches!(event, Event::Eof) {
                return None;
            }
            continue;
        };
        let name = e.local_name().into_inner().to_string();
        let version = attribute(&e, "version");
        let rewrite = match name.as_str() {
            // feed-rs takes any `feed` for Atom 1.0.
            "feed" if ns == Ns::LegacyAtom => Some(Rewrite::Atom03),
            "feed"
                if ns == Ns::Unbound && version.as_ref().is_some_and(|v| v.starts_with("0.")) =>
            {
                Some(Rewrite::Atom03)
            }
            // feed-rs dispatches on the local name alone; RSS 1.0 items without a link and
            // RSS 0.90's namespace need the rewrite, so every RDF feed takes it.
            "RDF" => Some(Rewrite::Rdf),
            "rss" if ns.modern().is_some() => Some(Rewrite::Rss),
            "rss" if !version_read_as_is(&e) => Some(Rewrite::Rss),
            _ if ns == Ns::Unbound && name.eq_ignore_ascii_case("channel") => Some(Rewrite::Cdf),
            _ => None,
        };
        return Some(Root {
            name,
            namespace,
            rewrite,
        });
    }
}

/// Whether feed-rs reads an `<rss>` of this `version`.
fn version_read_as_is(rss: &BytesStart) -> bool {
    matches!(
        attribute(rss, "version").as_deref(),
        Some("2.0" | "0.91" | "0.92" | "")
    )
}

/// Whether the document names the Dublin Core namespace, so that a missing title may be in a
/// `dc:title`. A plain scan, paid only by feeds that lack a title.
pub(super) fn mentions_dublin_core(bytes: &[u8]) -> bool {
    let needle = &DUBLIN_CORE.as_bytes()[7..]; // without "http://", which is everywhere
    memmem::find(bytes, needle).is_some()
}

/// The document rewritten for feed-rs, as UTF-8; `None` when it is not well-formed XML (feed-rs
/// then says why) or when the rewrite changed nothing.
pub(super) fn rewrite(bytes: &[u8], how: Rewrite) -> Option<String> {
    let (doc, transcoded) = utf8(bytes);
    Rewriter::new(&doc, how, transcoded).run()
}

/// How many `item` or `entry` elements the document has where feeds put them (children of the
/// root or of its child, in any namespace), and the name of the first one.
pub(super) fn count_items(bytes: &[u8]) -> Option<(usize, &'static str)> {
    let (doc, _) = utf8(bytes);
    let mut reader = Reader::from_str(&doc);
    let (mut depth, mut count, mut name) = (0usize, 0, None);
    loop {
        let event = reader.read_event().ok()?;
        let (e, opens) = match &event {
            Event::Start(e) => (e, true),
            Event::Empty(e) => (e, false),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let found = match e.local_name().into_inner() {
            "item" => Some("item"),
            "entry" => Some("entry"),
            _ => None,
        };
        if let Some(found) = found.filter(|_| matches!(depth + 1, 2 | 3)) {
            count += 1;
            name.get_or_insert(found);
        }
        depth += usize::from(opens);
    }
    Some((count, name?))
}

/// The first Media RSS `thumbnail` of each `item` or `entry`, in document order; `None` when
/// the document names no thumbnail, which costs a byte search, not a second parse.
pub(super) fn media_thumbnails(bytes: &[u8]) -> Option<Vec<Option<String>>> {
    const MEDIA_RSS: &str = "http://search.yahoo.com/mrss/";
    // Most feeds have none: a search for the word spares them an XML pass.
    memmem::find(bytes, b"thumbnail")?;
    let (doc, _) = utf8(bytes);
    let mut reader = NsReader::from_str(&doc);
    let mut out: Vec<Option<String>> = vec![];
    // The depth of the item open, if one is.
    let (mut depth, mut item) = (0usize, None);
    loop {
        let (resolved, event) = reader.read_resolved_event().ok()?;
        let (e, opens) = match &event {
            Event::Start(e) => (e, true),
            Event::Empty(e) => (e, false),
            Event::End(_) => {
                if item == Some(depth) {
                    item = None;
                }
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = e.local_name().into_inner();
        match item {
            None if matches!(name, "item" | "entry") => {
                out.push(None);
                if opens {
                    item = Some(depth + 1);
                }
            }
            Some(_) if name == "thumbnail" => {
                let media =
                    matches!(&resolved, ResolveResult::Bound(ns) if ns.into_inner() == MEDIA_RSS);
                if let (true, Some(last @ None)) = (media, out.last_mut()) {
                    *last = attribute(e, "url")
                        .map(|u| html_escape::decode_html_entities(&u).into_owned());
                }
            }
            _ => {}
        }
        depth += usize::from(opens);
    }
    Some(out)
}

/// A JSON Feed's item images (`image`, else `banner_image`), absolute http(s), by item `id`;
/// `None` when no item names one, which costs a byte search, not a second parse.
pub(super) fn json_images(
    bytes: &[u8],
    base: &url::Url,
) -> Option<std::collections::HashMap<String, String>> {
    #[derive(serde::Deserialize)]
    struct Doc {
        #[serde(default)]
        items: Vec<Item>,
    }
    #[derive(serde::Deserialize)]
    struct Item {
        id: Option<String>,
        image: Option<String>,
        banner_image: Option<String>,
    }
    memmem::find(bytes, b"image\"")?;
    let doc: Doc = serde_json::from_slice(bytes).ok()?;
    let images: std::collections::HashMap<String, String> = doc
        .items
        .into_iter()
        .filter_map(|item| {
            let id = item.id?;
            let url = item.image.or(item.banner_image)?;
            Some((id, super::safe_link(&url, base)?))
        })
        .collect();
    (!images.is_empty()).then_some(images)
}

/// The document as UTF-8, and whether it was transcoded from the encoding its BOM or XML
/// declaration gives.
fn utf8(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    let (encoding, bom) =
        encoding_rs::Encoding::for_bom(bytes).unwrap_or_else(|| (declared_encoding(bytes), 0));
    let body = &bytes[bom..];
    if encoding == encoding_rs::UTF_8 {
        return (String::from_utf8_lossy(body), false);
    }
    let (text, _) = encoding.decode_without_bom_handling(body);
    (text, true)
}

/// The encoding of an XML declaration; UTF-8 without one (or for UTF-16 without a BOM, which
/// could not have been read as ASCII).
fn declared_encoding(bytes: &[u8]) -> &'static encoding_rs::Encoding {
    let mut reader = Reader::from_reader(bytes);
    let declared = match reader.read_event() {
        Ok(Event::Decl(decl)) => decl.encoder(),
        _ => None,
    };
    declared
        .filter(|e| *e != encoding_rs::UTF_16LE && *e != encoding_rs::UTF_16BE)
        .unwrap_or(encoding_rs::UTF_8)
}

/// An attribute's value as written (entities not decoded).
fn attribute(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.into_inner() == name)
        .map(|a| a.value.into_owned())
}

/// An RSS channel or item while it is open: whether it has had its title.
struct Context {
    depth: usize,
    titled: bool,
}

struct Rewriter<'a> {
    doc: &'a str,
    how: Rewrite,
    transcoded: bool,
    out: String,
    /// Bytes of `doc` before this are in `out`.
    copied: usize,
    changed: bool,
    /// Elements open.
    depth: usize,
    contexts: Vec<Context>,
    /// RDF's channel element is open: its end tag goes with its start tag.
    rdf_channel_open: bool,
}

impl<'a> Rewriter<'a> {
    fn new(doc: &'a str, how: Rewrite, transcoded: bool) -> Self {
        Rewriter {
            doc,
            how,
            transcoded,
            out: String::with_capacity(doc.len() + 64),
            copied: 0,
            changed: false,
            depth: 0,
            contexts: vec![],
            rdf_channel_open: false,
        }
    }

    /// Replaces `doc[start..end]` with `with`.
    fn replace(&mut self, start: usize, end: usize, with: &str) {
        self.out.push_str(&self.doc[self.copied..start]);
        self.out.push_str(with);
        self.copied = end;
        self.changed = true;
    }

    fn run(mut self) -> Option<String> {
        let mut reader = NsReader::from_str(self.doc);
        loop {
            let start = position(&reader);
            let (ns, event) = reader.read_resolved_event().ok()?;
            let ns = Ns::resolved(&ns);
            match event {
                Event::Start(e) => self.element(&mut reader, start, ns, &e, true)?,
                Event::Empty(e) => self.element(&mut reader, start, ns, &e, false)?,
                Event::End(e) => {
                    self.end(start, position(&reader), e.name().into_inner());
                    self.depth = self.depth.checked_sub(1)?;
                }
                Event::Decl(decl) if self.transcoded => {
                    // The text is UTF-8 now; the declaration must not say otherwise.
                    let version = decl.version().ok()?.into_owned();
                    let end = position(&reader);
                    self.replace(start, end, &format!("<?xml version=\"{version}\"?>"));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !self.changed {
            return None;
        }
        self.out.push_str(&self.doc[self.copied..]);
        Some(self.out)
    }

    /// An element's start tag; reads on to its end when it rewrites the whole element.
    fn element(
        &mut self,
        reader: &mut NsReader<&[u8]>,
        start: usize,
        ns: Ns,
        e: &BytesStart,
        opens: bool,
    ) -> Option<()> {
        let depth = self.depth + 1;
        let local = e.local_name().into_inner();
        let tag_end = position(reader);
        match self.how {
            Rewrite::Rdf if depth == 1 => {
                // rdf:RDF becomes rss + channel; its namespaces stay in scope.
                let tag = retag(e, Some("rss"), &[], &[("version", "2.0")], keep_on_root);
                let with = if opens {
                    format!("{tag}<channel>")
                } else {
                    format!("{tag}<channel></channel></rss>")
                };
                self.replace(start, tag_end, &with);
            }
            Rewrite::Rdf if depth == 2 && local == "channel" && ns.is_rss() => {
                // Its children become the channel's, next to the items.
                self.replace(start, tag_end, "");
                if opens {
                    self.rdf_channel_open = true;
                    self.contexts.push(Context {
                        depth,
                        titled: false,
                    });
                }
            }
            Rewrite::Rss if depth == 1 && !version_read_as_is(e) => {
                let tag = retag(e, None, &["version"], &[("version", "2.0")], |_| true);
                self.replace(start, tag_end, &with_end(tag, opens));
            }
            Rewrite::Cdf => self.cdf(start, tag_end, e, opens, depth),
            Rewrite::Atom03 if matches!(ns, Ns::LegacyAtom | Ns::Unbound) => {
                return self.atom03(reader, start, e, opens);
            }
            Rewrite::Rdf | Rewrite::Rss
                if local == "title"
                    && (ns == Ns::DublinCore || ns.is_rss())
                    && self.in_context(depth) =>
            {
                return self.title(reader, start, ns, e, opens);
            }
            _ => self.map_namespaces(start, tag_end, e, opens),
        }
        if opens {
            self.depth = depth;
            let is_context = match local {
                "item" => depth == if self.how == Rewrite::Rdf { 2 } else { 3 },
                "channel" => self.how == Rewrite::Rss && depth == 2,
                _ => false,
            };
            if is_context && ns.is_rss() {
                self.contexts.push(Context {
                    depth,
                    titled: false,
                });
            }
        }
        Some(())
    }

    /// The end tag `name` at `start..end`, closing the element at `self.depth`.
    fn end(&mut self, start: usize, end: usize, name: &str) {
        if self.contexts.last().is_some_and(|c| c.depth == self.depth) {
            self.contexts.pop();
        }
        match (self.how, self.depth) {
            (Rewrite::Rdf, 1) => self.replace(start, end, "</channel></rss>"),
            (Rewrite::Rdf, 2) if self.rdf_channel_open => {
                self.rdf_channel_open = false;
                self.replace(start, end, "");
            }
            (Rewrite::Cdf, 1) => self.replace(start, end, "</channel></rss>"),
            (Rewrite::Cdf, _) => self.replace(start, end, &format!("</{}>", cdf_name(name))),
            _ => {}
        }
    }

    /// Whether an element at `depth` is a child of the open channel or item.
    fn in_context(&self, depth: usize) -> bool {
        self.contexts.last().is_some_and(|c| c.depth + 1 == depth)
    }

    /// A `title` or `dc:title` of a channel or item. As in feedparser, the first that is not
    /// empty is the title: a `dc:title` becomes `title` until one is found, and every title
    /// after it goes (feed-rs would take the last).
    fn title(
        &mut self,
        reader: &mut NsReader<&[u8]>,
        start: usize,
        ns: Ns,
        e: &BytesStart,
        opens: bool,
    ) -> Option<()> {
        let is_dc = ns == Ns::DublinCore;
        let inner = if opens {
            let span = reader.read_to_end(e.name()).ok()?;
            &self.doc[span.start as usize..span.end as usize]
        } else {
            ""
        };
        let end = position(reader);
        let context = self.contexts.last_mut()?;
        let empty = inner.trim().is_empty();
        if context.titled || (is_dc && empty) {
            self.replace(start, end, "");
        } else if is_dc {
            context.titled = true;
            let tag = retag(e, Some("title"), &[], &[], |_| true);
            self.replace(start, end, &format!("{tag}{inner}</title>"));
        } else {
            context.titled = !empty;
        }
        Some(())
    }

    /// An Atom 0.3 element, as Atom 1.0: dates and text constructs renamed, text retyped.
    fn atom03(
        &mut self,
        reader: &mut NsReader<&[u8]>,
        start: usize,
        e: &BytesStart,
        opens: bool,
    ) -> Option<()> {
        let local = e.local_name().into_inner();
        let text = matches!(
            local,
            "title" | "tagline" | "copyright" | "summary" | "content" | "info"
        );
        let renamed = match local {
            "issued" => Some("published"),
            "modified" => Some("updated"),
            "tagline" => Some("subtitle"),
            "copyright" => Some("rights"),
            _ => None,
        };
        if !text && renamed.is_none() {
            self.map_namespaces(start, position(reader), e, opens);
            self.depth += usize::from(opens);
            return Some(());
        }
        // The whole element is rewritten, its content copied as it is.
        let inner = if opens {
            let span = reader.read_to_end(e.name()).ok()?;
            &self.doc[span.start as usize..span.end as usize]
        } else {
            ""
        };
        let end = position(reader);
        let qname = prefixed(e, renamed.unwrap_or(local));
        let tag = if text {
            let Some(kind) = atom10_type(e).filter(|_| local != "info") else {
                // Base64, multipart or another media type: nothing feed-rs should read.
                self.replace(start, end, "");
                return Some(());
            };
            retag(
                e,
                Some(&qname),
                &["type", "mode"],
                &[("type", kind)],
                |_| true,
            )
        } else {
            retag(e, Some(&qname), &[], &[], |_| true)
        };
        self.replace(start, end, &format!("{tag}{inner}</{qname}>"));
        Some(())
    }

    /// A CDF start tag, as RSS 2.0.
    fn cdf(&mut self, start: usize, tag_end: usize, e: &BytesStart, opens: bool, depth: usize) {
        let name = cdf_name(e.name().into_inner());
        let mut with = if depth == 1 {
            "<rss version=\"2.0\"><channel".to_string()
        } else {
            format!("<{name}")
        };
        let mut link = None;
        for a in e.attributes().flatten() {
            let key = a.key.into_inner();
            if key.eq_ignore_ascii_case("base") {
                with.push_str(&format!(" xml:base=\"{}\"", a.value.replace('"', "&quot;")));
            } else if key.eq_ignore_ascii_case("href") && (depth == 1 || name == "item") {
                link = Some(a.value);
            }
        }
        with.push('>');
        if let Some(link) = link {
            with.push_str(&format!("<link>{link}</link>"));
        }
        if !opens {
            with.push_str(&format!("</{name}>"));
            if depth == 1 {
                with.push_str("</rss>");
            }
        }
        self.replace(start, tag_end, &with);
    }

    /// Any other start tag: only a namespace declaration feed-rs does not know changes.
    fn map_namespaces(&mut self, start: usize, tag_end: usize, e: &BytesStart, opens: bool) {
        if !e.attributes_raw().contains("xmlns") {
            return;
        }
        let legacy = e.attributes().flatten().any(|a| {
            let key = a.key.into_inner();
            (key == "xmlns" || key.starts_with("xmlns:")) && Ns::of(&a.value).modern().is_some()
        });
        if legacy {
            let tag = retag(e, None, &[], &[], |_| true);
            self.replace(start, tag_end, &with_end(tag, opens));
        }
    }
}

/// The RSS 2.0 name of a CDF element.
fn cdf_name(name: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "abstract" => "description".to_string(),
        lower => lower.to_string(),
    }
}

/// Atom 1.0's type for an Atom 0.3 text construct (`type` a MIME type, default text/plain;
/// `mode` xml, the default, or escaped), if it is text feed-rs can read.
fn atom10_type(e: &BytesStart) -> Option<&'static str> {
    let mime = attribute(e, "type").map(|t| t.trim().to_ascii_lowercase());
    let mode = attribute(e, "mode").map(|m| m.trim().to_ascii_lowercase());
    let escaped = match mode.as_deref() {
        None | Some("xml") => false,
        Some("escaped") => true,
        _ => return None,
    };
    match mime.as_deref() {
        None | Some("text/plain" | "text" | "plain") => Some("text"),
        Some("text/html" | "html") if escaped => Some("html"),
        Some("application/xhtml+xml" | "text/html" | "xhtml") if !escaped => Some("xhtml"),
        Some("application/xhtml+xml" | "xhtml") => Some("html"),
        _ => None,
    }
}

fn position(reader: &NsReader<&[u8]>) -> usize {
    reader.buffer_position() as usize
}

/// `local` with the element's prefix, if it has one.
fn prefixed(e: &BytesStart, local: &str) -> String {
    match e.name().prefix() {
        Some(p) => format!("{}:{local}", p.into_inner()),
        None => local.to_string(),
    }
}

/// On the root that rdf:RDF becomes: namespace declarations and xml:* attributes.
fn keep_on_root(key: &str) -> bool {
    key == "xmlns" || key.starts_with("xmlns:") || key.starts_with("xml:")
}

/// A start tag like `e`'s, renamed to `name`, without the attributes in `drop` or that `keep`
/// refuses, with `add` appended and namespaces feed-rs does not know replaced by theirs.
fn retag(
    e: &BytesStart,
    name: Option<&str>,
    drop: &[&str],
    add: &[(&str, &str)],
    keep: fn(&str) -> bool,
) -> String {
    let mut tag = format!("<{}", name.unwrap_or(e.name().into_inner()));
    let attributes = e.attributes().flatten().filter_map(|a| {
        let key = a.key.into_inner();
        if drop.contains(&key) || !keep(key) {
            return None;
        }
        let value = match Ns::of(&a.value).modern() {
            Some(modern) if key == "xmlns" || key.starts_with("xmlns:") => Cow::Borrowed(modern),
            _ => a.value,
        };
        Some((key, value))
    });
    let added = add.iter().map(|(k, v)| (*k, Cow::Borrowed(*v)));
    for (key, value) in attributes.chain(added) {
        // The value is written as it was read; a double quote in it came inside single ones.
        let quote = if value.contains('"') { '\'' } else { '"' };
        tag.push_str(&format!(" {key}={quote}{value}{quote}"));
    }
    tag.push('>');
    tag
}

/// A start tag as an empty-element tag when the element had no end tag.
fn with_end(mut tag: String, opens: bool) -> String {
    if !opens {
        tag.insert(tag.len() - 1, '/');
    }
    tag
}
