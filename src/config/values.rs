//! Checked values that several sections use: URLs and cron schedules. Each refuses a bad
//! spelling while deserializing, so toml reports it at its key.

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
