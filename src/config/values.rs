//! Checked values that several sections use: URLs, cron schedules and patterns. Each refuses
//! a bad spelling while deserializing, so toml reports it at its key.

use serde::Deserialize;
use url::Url;

/// An absolute `http` or `https` URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpUrl(Url);

impl HttpUrl {
    /// Messages quote `s` as it may be shown ([`crate::address::shown_url`]).
    pub fn parse(s: &str) -> Result<Self, String> {
        let shown = crate::address::shown_url(s);
        let url = Url::parse(s).map_err(|e| format!("{shown:?} is not a URL: {e}"))?;
        match url.scheme() {
            "http" | "https" if url.host().is_some() => Ok(HttpUrl(url)),
            _ => Err(format!("{shown:?} must be an http:// or https:// URL")),
        }
    }
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl<'de> Deserialize<'de> for HttpUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        HttpUrl::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A cron schedule in the `cron` crate's syntax (6 or 7 fields, seconds first).
#[derive(Debug, Clone)]
pub struct CronSchedule(pub cron::Schedule);

impl CronSchedule {
    pub fn parse(s: &str) -> Result<Self, String> {
        use std::str::FromStr;
        cron::Schedule::from_str(s).map(CronSchedule).map_err(|e| {
            // A syntax error's text is the expression again with a caret under it, on lines of
            // its own: no use in a one-line message that already quotes the expression.
            let e = e.to_string();
            let why = if e.contains('\n') {
                String::new()
            } else {
                format!(" ({e})")
            };
            format!("{s:?} is not a cron schedule{why}; use 6 or 7 fields: sec min hour day month weekday [year]")
        })
    }
}

impl<'de> Deserialize<'de> for CronSchedule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        CronSchedule::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A regular expression in the `regex` crate's syntax (<https://docs.rs/regex/#syntax>),
/// compiled once when the config is read, to at most [`Pattern::MAX_COMPILED`] bytes. Its
/// debug form is the pattern as written.
#[derive(Clone)]
pub struct Pattern(regex::Regex);

impl Pattern {
    /// A title filter needs far less; one config may have a pattern per feed.
    pub const MAX_COMPILED: usize = 1024 * 1024;

    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Err("must not be empty: it would match every entry".into());
        }
        let compiled = regex::RegexBuilder::new(s)
            .size_limit(Self::MAX_COMPILED)
            .build();
        compiled.map(Pattern).map_err(|e| match e {
            // The syntax error's text is the pattern again with a caret under it, then the
            // reason on a line starting `error: `: only the reason fits a one-line message.
            regex::Error::Syntax(text) => {
                let why = text
                    .lines()
                    .rev()
                    .find_map(|l| l.strip_prefix("error: "))
                    .unwrap_or("invalid syntax");
                format!("{s:?} is not a regular expression: {why}")
            }
            regex::Error::CompiledTooBig(limit) => {
                format!("{s:?} is too large once compiled (over {limit} bytes)")
            }
            other => format!("{s:?} cannot be used: {other}"),
        })
    }

    /// Whether the pattern matches anywhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pattern({:?})", self.as_str())
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Pattern::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
