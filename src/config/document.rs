//! The config text as toml parsed it, with the span of every key and value: where a key path
//! is written, and which key path a position belongs to.
//!
//! The config types stay plain (their users never see spans); errors found after parsing name a
//! [`KeyPath`] and this finds it in the text, so a repeated key or value is located where it
//! is, not where its spelling first appears.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::config::error::{ConfigError, KeyPath, Location, Segment, Violation};

pub struct Document<'a> {
    text: &'a str,
    origin: &'a str,
    root: Spanned<DeTable<'a>>,
}

impl<'a> Document<'a> {
    /// Parses TOML syntax (no schema yet); `origin` names the text in errors.
    pub fn parse(text: &'a str, origin: &'a str) -> Result<Document<'a>, ConfigError> {
        let (root, errors) = DeTable::parse_recoverable(text);
        let doc = Document { text, origin, root };
        let Some(e) = errors.into_iter().next() else {
            return Ok(doc);
        };
        // The recovered document still places the key around the error, when there is one.
        let mut error = doc.toml_error(&e);
        // Else quote what toml points at, when it is short: "duplicate key" says which key.
        if let (ConfigError::Invalid { key, message, .. }, Some(span)) = (&mut error, e.span())
            && key.is_root()
            && let Some(quoted) = text
                .get(span)
                .filter(|q| !q.is_empty() && q.chars().count() <= 40 && !q.contains(['\n', '`']))
        {
            message.push_str(&format!(" `{quoted}`"));
        }
        Err(error)
    }

    /// Deserializes the document; serde's errors are located like all others.
    pub fn deserialize<T: Deserialize<'a>>(&self) -> Result<T, ConfigError> {
        T::deserialize(toml::de::Deserializer::from(self.root.clone()))
            .map_err(|e| self.toml_error(&e))
    }

    /// An error from toml (syntax, or serde with the span toml gives it): located at its span,
    /// named by the key path written there.
    pub fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let (key, at) = match e.span() {
            // The whole document's span (empty): a missing top-level key, nowhere to point.
            Some(span) if span == self.root.span() => (KeyPath::root(), None),
            Some(span) => (self.path_at(span.start), Some(self.location(span))),
            None => (KeyPath::root(), None),
        };
        self.error(key, at, e.message().trim_end().to_string())
    }

    /// A rule that failed after parsing, located at the value of its key (or the nearest table
    /// written in the text, when the key has its default).
    pub fn violation(&self, v: Violation) -> ConfigError {
        let at = self.span_of(&v.key).map(|span| self.location(span));
        self.error(v.key, at, v.message)
    }

    fn error(&self, key: KeyPath, at: Option<Location>, message: String) -> ConfigError {
        ConfigError::Invalid {
            origin: self.origin.to_string(),
            key,
            at,
            message,
        }
    }

    fn location(&self, span: Range<usize>) -> Location {
        Location::of(self.text, span.start)
    }

    /// The span of the value at `path` (a table's is its header, or its key when the table is
    /// implicit or dotted); the nearest written ancestor's when `path` is not in the text;
    /// `None` when not even its first key is.
    fn span_of(&self, path: &KeyPath) -> Option<Range<usize>> {
        let mut found: Option<&Spanned<DeValue<'a>>> = None;
        for segment in path.segments() {
            let next = match (segment, found.map(Spanned::get_ref)) {
                (Segment::Key(k), None) => self.root.get_ref().get(k.as_str()),
                (Segment::Key(k), Some(DeValue::Table(t))) => t.get(k.as_str()),
                (Segment::Index(i), Some(DeValue::Array(a))) => a.get(*i),
                _ => None,
            };
            let Some(next) = next else { break };
            found = Some(next);
        }
        found.map(Spanned::span)
    }

    /// The deepest key path whose key or value is written at `offset`; the root when none is.
    fn path_at(&self, offset: usize) -> KeyPath {
        deepest_in_table(self.root.get_ref(), offset, &KeyPath::root()).unwrap_or_default()
    }
}

fn deepest_in_table(table: &DeTable<'_>, offset: usize, here: &KeyPath) -> Option<KeyPath> {
    let entries = table
        .iter()
        .map(|(k, v)| (here.key(k.get_ref()), Some(k.span()), v));
    deepest_among(entries, offset)
}

fn deepest_in(value: &DeValue<'_>, offset: usize, here: &KeyPath) -> Option<KeyPath> {
    match value {
        DeValue::Table(t) => deepest_in_table(t, offset, here),
        DeValue::Array(a) => {
            let elements = a.iter().enumerate().map(|(i, v)| (here.index(i), None, v));
            deepest_among(elements, offset)
        }
        _ => None,
    }
}

/// Of these children (path, key span, value) and everything below them, the deepest written at
/// `offset`.
fn deepest_among<'v, 'i: 'v>(
    children: impl Iterator<Item = (KeyPath, Option<Range<usize>>, &'v Spanned<DeValue<'i>>)>,
    offset: usize,
) -> Option<KeyPath> {
    let mut best: Option<KeyPath> = None;
    let mut consider = |candidate: KeyPath| {
        let deeper = best
            .as_ref()
            .is_none_or(|b| candidate.segments().len() > b.segments().len());
        if deeper {
            best = Some(candidate);
        }
    };
    for (path, key_span, child) in children {
        // A table's span is its header, not its contents: always look inside.
        if let Some(inner) = deepest_in(child.get_ref(), offset, &path) {
            consider(inner);
        }
        if key_span.is_some_and(|s| covers(&s, offset)) || covers(&child.span(), offset) {
            consider(path);
        }
    }
    best
}

/// `span` contains `offset`; an empty span (toml's at the end of a line) counts at its start.
fn covers(span: &Range<usize>, offset: usize) -> bool {
    span.contains(&offset) || (span.is_empty() && span.start == offset)
}
