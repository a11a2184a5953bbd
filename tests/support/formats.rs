//! The feed-format fixtures (`tests/fixtures/feeds/formats`, one per format feedparser
//! reads), read the way the fetcher reads a feed: the quick tier checks each exactly, the tools
//! tier compares them all with Python's feedparser.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use newsdesk::feed::{ParseError, ParsedFeed, parse};
use url::Url;

/// Where every fixture is served from: relative links resolve against it.
pub const BASE: &str = "http://127.0.0.1/feeds/x.xml";

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds/formats")
}

pub fn read(file: &str) -> Result<ParsedFeed, ParseError> {
    let bytes = std::fs::read(dir().join(file)).unwrap();
    let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
    parse(&bytes, &Url::parse(BASE).unwrap(), now)
}
