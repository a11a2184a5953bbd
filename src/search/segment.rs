//! One segment of the index: a batch of documents, newest first, and the term dictionary over
//! their words. Stored as two immutable objects, so a query reads only the small part until it
//! knows which documents it shows:
//!
//! - **terms** (`.terms`): `NDS2`, the document count, each document's time (i64 seconds,
//!   little-endian; newest first), the count of document chunks and where each starts in the
//!   docs part plus where the last ends (u32, then u64s), the length of the term dictionary and
//!   the dictionary (an [`fst::Map`] from each folded word to the offset of its postings), then
//!   the postings: per term a varint count and the varint gaps between its ascending document
//!   numbers.
//! - **docs** (`.json`): the documents in the same order, as JSON arrays of
//!   [`DOCS_PER_CHUNK`] one after another, so a query reads (a range GET) only the chunks
//!   holding the results it shows: a sealed segment holds tens of thousands of documents.
//!
//! Segments written before chunks (`NDS1`) have no chunk table and their docs part is one
//! array: it is read whole.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use fst::{Automaton, IntoStreamer, Streamer};
use serde::{Deserialize, Serialize};

use super::fold;

const MAGIC: &[u8; 4] = b"NDS2";
/// Segments without a chunk table.
const MAGIC_UNCHUNKED: &[u8; 4] = b"NDS1";

/// Documents per chunk of a docs part: a query showing 20 results reads at most 20 chunks of
/// about 10 KB rather than whole parts of megabytes (SCALING.md, "Search", for the figures at
/// 256 and at 64).
pub const DOCS_PER_CHUNK: usize = 64;

/// Terms a prefix (the query's last word) expands to in one segment, at most.
pub const MAX_EXPANSIONS: usize = 256;

/// One searchable thing the site has shown: an entry of a source box or an archived headline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Doc {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The source box's title, or the site's title for a headline.
    pub source: String,
    /// When it was published (or first seen, when undated): results are newest first by it.
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// An archived headline rather than an entry of a source box.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub headline: bool,
}

impl Doc {
    /// The words it is found by: its title's and its summary's.
    fn words(&self) -> Vec<String> {
        let mut w = fold::words(&self.title);
        if let Some(s) = &self.summary {
            w.extend(fold::words(s));
        }
        w.sort_unstable();
        w.dedup();
        w
    }
}

/// A segment's documents (newest first) with its dictionary built.
pub struct Segment {
    pub docs: Vec<Doc>,
    pub terms: Terms,
}

impl Segment {
    /// Indexes `docs` (in any order: they are sorted newest first).
    pub fn build(mut docs: Vec<Doc>) -> Segment {
        docs.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.title.cmp(&b.title)));
        let mut by_term: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (i, doc) in docs.iter().enumerate() {
            for w in doc.words() {
                by_term.entry(w).or_default().push(i as u32);
            }
        }
        let mut postings = vec![];
        let mut builder = fst::MapBuilder::memory();
        for (term, ids) in &by_term {
            builder
                .insert(term, postings.len() as u64)
                .expect("terms come sorted from the BTreeMap");
            put_varint(&mut postings, ids.len() as u64);
            let mut last = 0;
            for &id in ids {
                put_varint(&mut postings, u64::from(id - last));
                last = id;
            }
        }
        let map = builder.into_map();
        let at = docs.iter().map(|d| d.at.timestamp()).collect();
        Segment {
            docs,
            terms: Terms {
                at,
                chunks: vec![],
                map,
                postings,
            },
        }
    }

    /// The two stored objects: terms (with where each chunk of documents starts), docs.
    pub fn encode(&self) -> (Vec<u8>, Vec<u8>) {
        let mut docs = vec![];
        let mut chunks = vec![0];
        for chunk in self.docs.chunks(DOCS_PER_CHUNK) {
            serde_json::to_writer(&mut docs, chunk).expect("plain data serializes");
            chunks.push(docs.len() as u64);
        }
        (self.terms.encode(&chunks), docs)
    }
}

/// The documents of a whole docs part, chunked or not.
pub fn decode_docs(bytes: &[u8]) -> Result<Vec<Doc>, serde_json::Error> {
    let mut docs = vec![];
    for chunk in serde_json::Deserializer::from_slice(bytes).into_iter::<Vec<Doc>>() {
        docs.extend(chunk?);
    }
    Ok(docs)
}

/// The terms part of a segment, as a query uses it.
pub struct Terms {
    /// Each document's time in seconds, newest first.
    pub at: Vec<i64>,
    /// Where each chunk of the docs part starts, then where the last ends; empty for a
    /// segment whose docs part is read whole.
    chunks: Vec<u64>,
    map: fst::Map<Vec<u8>>,
    postings: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
#[error("not a search segment: {0}")]
pub struct Corrupt(&'static str);

/// What a query asks for: every word but the last exactly, the last as a prefix too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    pub words: Vec<String>,
}

impl Terms {
    fn encode(&self, chunks: &[u64]) -> Vec<u8> {
        let fst = self.map.as_fst().as_bytes();
        let mut out = Vec::with_capacity(
            16 + (self.at.len() + chunks.len()) * 8 + fst.len() + self.postings.len(),
        );
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.at.len() as u32).to_le_bytes());
        for t in &self.at {
            out.extend_from_slice(&t.to_le_bytes());
        }
        out.extend_from_slice(&(chunks.len().saturating_sub(1) as u32).to_le_bytes());
        for c in chunks {
            out.extend_from_slice(&c.to_le_bytes());
        }
        out.extend_from_slice(&(fst.len() as u32).to_le_bytes());
        out.extend_from_slice(fst);
        out.extend_from_slice(&self.postings);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Terms, Corrupt> {
        let (chunked, rest) = match (
            bytes.strip_prefix(MAGIC),
            bytes.strip_prefix(MAGIC_UNCHUNKED),
        ) {
            (Some(rest), _) => (true, rest),
            (None, Some(rest)) => (false, rest),
            (None, None) => return Err(Corrupt("no magic")),
        };
        let (n, rest) = take_u32(rest)?;
        let (times, rest) = rest
            .split_at_checked(n as usize * 8)
            .ok_or(Corrupt("times cut short"))?;
        let at: Vec<i64> = times
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("chunks of 8")))
            .collect();
        let (chunks, rest) = match chunked {
            true => {
                let (n, rest) = take_u32(rest)?;
                let (table, rest) = rest
                    .split_at_checked((n as usize + 1) * 8)
                    .ok_or(Corrupt("chunk table cut short"))?;
                let chunks: Vec<u64> = table
                    .chunks_exact(8)
                    .map(|c| u64::from_le_bytes(c.try_into().expect("chunks of 8")))
                    .collect();
                if n as usize != at.len().div_ceil(DOCS_PER_CHUNK)
                    || chunks.windows(2).any(|w| w[0] >= w[1])
                {
                    return Err(Corrupt("bad chunk table"));
                }
                (chunks, rest)
            }
            false => (vec![], rest),
        };
        let (len, rest) = take_u32(rest)?;
        let (fst, postings) = rest
            .split_at_checked(len as usize)
            .ok_or(Corrupt("dictionary cut short"))?;
        let map = fst::Map::new(fst.to_vec()).map_err(|_| Corrupt("bad dictionary"))?;
        Ok(Terms {
            at,
            chunks,
            map,
            postings: postings.to_vec(),
        })
    }

    /// Bytes held in memory.
    pub fn weight(&self) -> usize {
        (self.at.len() + self.chunks.len()) * 8
            + self.map.as_fst().as_bytes().len()
            + self.postings.len()
    }

    /// The chunk of the docs part holding document `doc`: its number and its bytes; `None`
    /// when the part is read whole (no chunk table), or past the last document.
    pub fn chunk_of(&self, doc: u32) -> Option<(usize, std::ops::Range<u64>)> {
        if doc as usize >= self.at.len() {
            return None;
        }
        let c = doc as usize / DOCS_PER_CHUNK;
        let start = *self.chunks.get(c)?;
        let end = *self.chunks.get(c + 1)?;
        Some((c, start..end))
    }

    /// The first `limit` documents matching `query`, ascending (so newest first). `budget` is
    /// the postings a query may still decode: each decoded one takes one, and at zero the rest
    /// is skipped.
    ///
    /// The last word's terms (a prefix expands to up to [`MAX_EXPANSIONS`]) are each read only
    /// as far as they can still give one of the first `limit`: a page of results for a prefix
    /// shared by a thousand terms and a hundred thousand documents decodes a few postings per
    /// term, not all of them.
    pub fn matches(&self, query: &Query, limit: usize, budget: &mut usize) -> Vec<u32> {
        let Some((last, rest)) = query.words.split_last().filter(|_| limit > 0) else {
            return vec![];
        };
        // The documents with every other word, if there are other words.
        let mut with_rest: Option<Vec<u32>> = None;
        for w in rest {
            let Some(offset) = self.map.get(w) else {
                return vec![];
            };
            let mut list = vec![];
            self.postings_at(offset, budget, |id| {
                list.push(id);
                true
            });
            if let Some(before) = &with_rest {
                list.retain(|id| before.binary_search(id).is_ok());
            }
            with_rest = Some(list);
        }
        let past_rest = match &with_rest {
            Some(list) => match list.last() {
                Some(&last) => last,
                None => return vec![],
            },
            None => u32::MAX,
        };
        // The last word is a prefix once it has two characters: one letter would match most
        // of the dictionary.
        let offsets: Vec<u64> = if last.chars().count() >= 2 {
            let matcher = fst::automaton::Str::new(last).starts_with();
            let mut stream = self.map.search(matcher).into_stream();
            let mut offsets = vec![];
            while let Some((_, offset)) = stream.next() {
                if offsets.len() == MAX_EXPANSIONS {
                    break;
                }
                offsets.push(offset);
            }
            offsets
        } else {
            self.map.get(last).into_iter().collect()
        };
        // The first `limit` found so far, ascending, distinct.
        let mut first: Vec<u32> = Vec::with_capacity(limit.min(64));
        for offset in offsets {
            if *budget == 0 {
                break;
            }
            self.postings_at(offset, budget, |id| {
                let full = first.len() >= limit;
                if id > past_rest || (full && id >= first[first.len() - 1]) {
                    return false;
                }
                let wanted = with_rest
                    .as_ref()
                    .is_none_or(|list| list.binary_search(&id).is_ok());
                if wanted && let Err(at) = first.binary_search(&id) {
                    first.insert(at, id);
                    first.truncate(limit);
                }
                true
            });
        }
        first
    }

    /// Calls `each` with the documents of the postings at `offset`, ascending, while it says
    /// go on and `budget` lasts (each decoded posting takes one).
    fn postings_at(&self, offset: u64, budget: &mut usize, mut each: impl FnMut(u32) -> bool) {
        let mut pos = offset as usize;
        let Some(count) = get_varint(&self.postings, &mut pos) else {
            return;
        };
        let mut id = 0u64;
        for _ in 0..count {
            if *budget == 0 {
                return;
            }
            let Some(gap) = get_varint(&self.postings, &mut pos) else {
                return;
            };
            *budget -= 1;
            id += gap;
            if id as usize >= self.at.len() || !each(id as u32) {
                return;
            }
        }
    }
}

fn take_u32(bytes: &[u8]) -> Result<(u32, &[u8]), Corrupt> {
    let (n, rest) = bytes.split_at_checked(4).ok_or(Corrupt("cut short"))?;
    Ok((u32::from_le_bytes(n.try_into().expect("4 bytes")), rest))
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get_varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn doc(title: &str, hours_ago: i64) -> Doc {
        Doc {
            title: title.into(),
            link: Some(format!("https://example.org/{}", title.len())),
            source: "Source".into(),
            at: DateTime::from_timestamp(1_800_000_000 - hours_ago * 3600, 0).unwrap(),
            summary: None,
            headline: false,
        }
    }

    fn q(text: &str) -> Query {
        Query {
            words: fold::words(text),
        }
    }

    fn found(terms: &Terms, docs: &[Doc], text: &str) -> Vec<String> {
        terms
            .matches(&q(text), usize::MAX, &mut usize::MAX.clone())
            .into_iter()
            .map(|i| docs[i as usize].title.clone())
            .collect()
    }

    #[test]
    fn words_match_all_of_them_newest_first_with_the_last_as_a_prefix() {
        let mut with_summary = doc("Quiet release", 5);
        with_summary.summary = Some("Kernel maintainers say little".into());
        let seg = Segment::build(vec![
            doc("Linux kernel 6.12 released", 3),
            doc("Kernel bug in Café driver", 1),
            doc("Rust in the kernel", 2),
            with_summary,
        ]);
        let (terms, docs) = seg.encode();
        let terms = Terms::decode(&terms).unwrap();
        let docs = decode_docs(&docs).unwrap();
        assert_eq!(
            found(&terms, &docs, "KERNEL"),
            [
                "Kernel bug in Café driver",
                "Rust in the kernel",
                "Linux kernel 6.12 released",
                "Quiet release"
            ]
        );
        assert_eq!(found(&terms, &docs, "cafe"), ["Kernel bug in Café driver"]);
        assert_eq!(
            found(&terms, &docs, "kernel rel"),
            ["Linux kernel 6.12 released", "Quiet release"],
            "the last word is a prefix: released, release"
        );
        assert_eq!(
            found(&terms, &docs, "rel kernel"),
            Vec::<String>::new(),
            "only the last word"
        );
        assert_eq!(found(&terms, &docs, "maintainers"), ["Quiet release"]);
        assert!(
            found(&terms, &docs, "k").is_empty(),
            "one letter is no prefix"
        );
        assert!(found(&terms, &docs, "").is_empty());
    }

    #[test]
    fn the_budget_bounds_postings_work() {
        let docs: Vec<Doc> = (0..1000).map(|i| doc(&format!("common {i}"), i)).collect();
        let terms = Segment::build(docs).terms;
        let mut budget = 10;
        assert_eq!(terms.matches(&q("common"), 100, &mut budget).len(), 10);
        assert_eq!(budget, 0);
    }

    #[test]
    fn a_page_of_a_prefix_reads_each_term_only_as_far_as_the_page() {
        // 50 terms sharing a prefix, 40 documents each; "odd" in every other document.
        let docs: Vec<Doc> = (0..2000)
            .map(|i| {
                let odd = if i % 2 == 1 { " odd" } else { "" };
                doc(&format!("common{} story{odd}", i % 50), i)
            })
            .collect();
        let terms = Segment::build(docs).terms;
        // (query, documents it matches, postings of its other words, read whole)
        for (text, all, others) in [
            ("comm", 2000, 0),
            ("odd comm", 1000, 1000),
            ("story odd comm", 1000, 3000),
        ] {
            let every = terms.matches(&q(text), usize::MAX, &mut usize::MAX.clone());
            assert_eq!(every.len(), all, "{text}");
            let mut budget = 1_000_000;
            let page = terms.matches(&q(text), 21, &mut budget);
            assert_eq!(page, every[..21], "{text}: the newest 21");
            // The prefix's 50 terms hold 2,000 postings; each is read only until it is past
            // the page's 21st document.
            let read = 1_000_000 - budget - others;
            assert!(
                read < 2000 / 4,
                "{text}: {read} postings of the prefix read"
            );
        }
    }

    #[test]
    fn garbage_is_refused_not_panicked_on() {
        assert!(Terms::decode(b"").is_err());
        assert!(Terms::decode(b"NDS1\xff\xff\xff\xff").is_err());
        let good = Segment::build(vec![doc("a b", 1)]).encode().0;
        for cut in 0..good.len() {
            let _ = Terms::decode(&good[..cut]);
        }
    }

    #[test]
    fn documents_are_read_by_the_chunk_a_result_is_in() {
        let n = 2 * DOCS_PER_CHUNK + 10;
        let seg = Segment::build(
            (0..n)
                .map(|i| doc(&format!("story {i}"), i as i64))
                .collect(),
        );
        let (terms, docs) = seg.encode();
        let terms = Terms::decode(&terms).unwrap();
        assert_eq!(
            decode_docs(&docs).unwrap(),
            seg.docs,
            "the whole part reads as before"
        );
        for d in [0, DOCS_PER_CHUNK - 1, DOCS_PER_CHUNK, n - 1] {
            let (c, range) = terms.chunk_of(d as u32).unwrap();
            assert_eq!(c, d / DOCS_PER_CHUNK);
            let chunk: Vec<Doc> =
                serde_json::from_slice(&docs[range.start as usize..range.end as usize]).unwrap();
            assert_eq!(chunk[d % DOCS_PER_CHUNK], seg.docs[d]);
        }
        assert_eq!(terms.chunk_of(n as u32), None, "past the last document");
    }

    #[test]
    fn segments_written_before_chunks_are_read_whole() {
        // NDS1: no chunk table, and the docs part is one array.
        let seg = Segment::build(vec![doc("Old kernel news", 1), doc("Old rust news", 2)]);
        let mut old = b"NDS1".to_vec();
        old.extend_from_slice(&2u32.to_le_bytes());
        for t in &seg.terms.at {
            old.extend_from_slice(&t.to_le_bytes());
        }
        let fst = seg.terms.map.as_fst().as_bytes();
        old.extend_from_slice(&(fst.len() as u32).to_le_bytes());
        old.extend_from_slice(fst);
        old.extend_from_slice(&seg.terms.postings);
        let terms = Terms::decode(&old).unwrap();
        assert_eq!(terms.chunk_of(0), None);
        let docs = decode_docs(&serde_json::to_vec(&seg.docs).unwrap()).unwrap();
        assert_eq!(found(&terms, &docs, "kernel"), ["Old kernel news"]);
    }
}
