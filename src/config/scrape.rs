//! `[sites.feeds.scrape]`: a feed that is an HTML page, read with CSS selectors. Selectors and
//! the link pattern are compiled while the config is read, so a typo is refused at its key
//! and line, before anything is fetched.

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;

use crate::config::error::{KeyPath, Violation};
use crate::config::{Pattern, SiteConfig};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrapeConfig {
    /// One element per story.
    pub item: CssSelector,
    /// Within an item: the element whose text is the story's title.
    pub title: CssSelector,
    /// Within an item: the element holding the link (default: the title element).
    pub link: Option<CssSelector>,
    /// The attribute of the link element that holds the URL.
    #[serde(default = "default_link_attr")]
    pub link_attr: String,
    /// Within an item: the element holding the date (its `datetime` attribute, else its text).
    pub date: Option<CssSelector>,
    /// Only stories whose (absolute) link matches are kept.
    pub link_pattern: Option<Pattern>,
    /// Within an item: the element whose text is the story's summary.
    pub summary: Option<CssSelector>,
    /// Within an item: the image (its `src`) offered as the story's thumbnail.
    pub image: Option<CssSelector>,
}

fn default_link_attr() -> String {
    "href".into()
}

impl ScrapeConfig {
    /// `at` is the table's path (`sites[i].feeds[j].scrape`).
    pub fn check(&self, at: &KeyPath) -> Result<(), Violation> {
        let name = &self.link_attr;
        let bad = name.is_empty()
            || name
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"'>/=<".contains(c));
        if bad {
            return Err(Violation::new(
                at.key("link_attr"),
                format!("{name:?} is not an attribute name, like \"href\" or \"data-url\""),
            ));
        }
        Ok(())
    }
}

/// A compiled CSS selector, with the text it was written as (shown in messages and `Debug`).
#[derive(Clone)]
pub struct CssSelector {
    source: String,
    selector: scraper::Selector,
}

impl CssSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.trim().is_empty() {
            return Err("a CSS selector must not be empty".into());
        }
        let selector = scraper::Selector::parse(s).map_err(|e| {
            use scraper::error::SelectorErrorKind as K;
            use selectors::parser::SelectorParseErrorKind as P;
            let why = match e {
                K::EndOfLine | K::UnexpectedSelectorParseError(P::DanglingCombinator) => {
                    "it ends too early"
                }
                K::UnexpectedSelectorParseError(P::UnsupportedPseudoClassOrElement) => {
                    "an unknown pseudo-class"
                }
                K::UnexpectedSelectorParseError(P::EmptySelector) => "an empty part",
                K::UnexpectedToken
                | K::UnexpectedSelectorParseError(
                    P::UnexpectedIdent | P::UnexpectedTokenInAttributeSelector,
                ) => "an unexpected character",
                _ => "malformed",
            };
            format!("{s:?} is not a CSS selector ({why}); e.g. \"article\", \"h2 a\", \"tr.story td.title a\"")
        })?;
        Ok(CssSelector {
            source: s.to_string(),
            selector,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn selector(&self) -> &scraper::Selector {
        &self.selector
    }
}

impl PartialEq for CssSelector {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Debug for CssSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.source)
    }
}

impl<'de> Deserialize<'de> for CssSelector {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        CssSelector::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A URL is fetched and stored once, whichever sites list it: every site listing it must read
/// it the same way (all as a feed, or all with the same `scrape` table).
pub fn check_shared(sites: &[SiteConfig]) -> Result<(), Violation> {
    let root = KeyPath::root().key("sites");
    let mut first: HashMap<&str, (usize, usize)> = HashMap::new();
    for (i, site) in sites.iter().enumerate() {
        for (j, feed) in site.feeds.iter().enumerate() {
            let (fi, fj) = *first.entry(feed.url.as_str()).or_insert((i, j));
            let other = &sites[fi].feeds[fj];
            if other.scrape != feed.scrape {
                let here = root.index(i).key("feeds").index(j);
                let there = root.index(fi).key("feeds").index(fj);
                let key = match &feed.scrape {
                    Some(_) => here.key("scrape"),
                    None => here.key("url"),
                };
                return Err(Violation::new(
                    key,
                    format!(
                        "{:?} is also listed at {there} with another `scrape` table (or none); a URL is fetched once for all its sites, so every listing must read it the same way",
                        feed.url.as_str()
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::{ConfigError, parse};

    const SITE: &str = "[[sites]]\nname = \"s\"\ntitle = \"S\"\n\n[[sites.feeds]]\nurl = \"https://example.org/tech/\"\n";

    fn with(scrape: &str) -> String {
        format!("{SITE}[sites.feeds.scrape]\n{scrape}")
    }

    fn err(text: &str) -> String {
        parse(text, "t.toml").unwrap_err().to_string()
    }

    #[test]
    fn a_scrape_table_is_compiled_with_defaults() {
        let c = parse(&with("item = \"article\"\ntitle = \"h2 a\"\n"), "t").unwrap();
        let s = c.sites[0].feeds[0].scrape.as_ref().unwrap();
        assert_eq!(s.item.as_str(), "article");
        assert_eq!(s.title.as_str(), "h2 a");
        assert_eq!(s.link, None);
        assert_eq!(s.link_attr, "href");
        assert_eq!(s.date, None);
        assert!(s.link_pattern.is_none());
        assert_eq!((&s.summary, &s.image), (&None, &None));
        assert_eq!(
            format!("{s:?}"),
            "ScrapeConfig { item: \"article\", title: \"h2 a\", link: None, link_attr: \"href\", date: None, link_pattern: None, summary: None, image: None }",
            "Debug (which the site digest reads) shows what was written"
        );
        assert!(c.sites[0].feeds[0].scrape.is_some());
        assert!(parse(SITE, "t").unwrap().sites[0].feeds[0].scrape.is_none());
    }

    #[test]
    fn a_bad_selector_is_named_at_its_key_and_line() {
        let e = err(&with("item = \"article\"\ntitle = \"h2 >\"\n"));
        assert_eq!(
            e,
            "config t.toml:9:9: sites[0].feeds[0].scrape.title: \"h2 >\" is not a CSS selector (it ends too early); e.g. \"article\", \"h2 a\", \"tr.story td.title a\""
        );
        let e = err(&with("item = \"div[\"\ntitle = \"a\"\n"));
        assert!(
            e.starts_with(
                "config t.toml:8:8: sites[0].feeds[0].scrape.item: \"div[\" is not a CSS selector"
            ),
            "{e}"
        );
        let e = err(&with("item = \"li:frobnicate\"\ntitle = \"a\"\n"));
        assert!(
            e.contains(
                "scrape.item: \"li:frobnicate\" is not a CSS selector (an unknown pseudo-class"
            ),
            "{e}"
        );
        let e = err(&with("item = \"  \"\ntitle = \"a\"\n"));
        assert!(
            e.ends_with("scrape.item: a CSS selector must not be empty"),
            "{e}"
        );
        let e = err(&with("item = \"li\"\ntitle = \"a\"\ndate = \"time[\"\n"));
        assert!(
            e.starts_with("config t.toml:10:8: sites[0].feeds[0].scrape.date: "),
            "{e}"
        );
        let e = err(&with("item = \"li\"\ntitle = \"a\"\nsummary = \"p >\"\n"));
        assert!(
            e.starts_with("config t.toml:10:11: sites[0].feeds[0].scrape.summary: \"p >\" is not a CSS selector"),
            "{e}"
        );
        let e = err(&with("item = \"li\"\ntitle = \"a\"\nimage = \"img[\"\n"));
        assert!(
            e.starts_with(
                "config t.toml:10:9: sites[0].feeds[0].scrape.image: \"img[\" is not a CSS selector"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_bad_link_pattern_is_named_at_its_key_and_line() {
        let e = err(&with(
            "item = \"li\"\ntitle = \"a\"\nlink_pattern = \"/tech/(\"\n",
        ));
        assert_eq!(
            e,
            "config t.toml:10:16: sites[0].feeds[0].scrape.link_pattern: \"/tech/(\" is not a regular expression: unclosed group"
        );
    }

    #[test]
    fn missing_and_unknown_keys_are_named() {
        let e = err(&with("item = \"li\"\n"));
        assert_eq!(
            e,
            "config t.toml:7:1: sites[0].feeds[0].scrape: missing field `title`"
        );
        let e = err(&with("item = \"li\"\ntitle = \"a\"\nlinks = \"a\"\n"));
        assert!(
            e.starts_with(
                "config t.toml:10:1: sites[0].feeds[0].scrape.links: unknown field `links`"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_bad_link_attr_is_located_at_its_own_feed() {
        let text = format!(
            "{}\n[[sites.feeds]]\nurl = \"https://example.org/b/\"\nscrape = {{ item = \"li\", title = \"a\", link_attr = \"data url\" }}\n",
            with("item = \"li\"\ntitle = \"a\"\nlink_attr = \"data-url\"\n")
        );
        assert_eq!(
            err(&text),
            "config t.toml:14:50: sites[0].feeds[1].scrape.link_attr: \"data url\" is not an attribute name, like \"href\" or \"data-url\""
        );
    }

    #[test]
    fn a_url_shared_by_two_sites_must_be_read_the_same_way() {
        let other = |scrape: &str| {
            format!(
                "\n[[sites]]\nname = \"b\"\ntitle = \"B\"\n\n[[sites.feeds]]\nurl = \"https://example.org/tech/\"\n{scrape}"
            )
        };
        let scraped = with("item = \"li\"\ntitle = \"a\"\n");
        let same = format!(
            "{scraped}{}",
            other("[sites.feeds.scrape]\nitem = \"li\"\ntitle = \"a\"\n")
        );
        assert!(parse(&same, "t").is_ok());
        let e = err(&format!("{scraped}{}", other("")));
        assert_eq!(
            e,
            "config t.toml:16:7: sites[1].feeds[0].url: \"https://example.org/tech/\" is also listed at sites[0].feeds[0] with another `scrape` table (or none); a URL is fetched once for all its sites, so every listing must read it the same way"
        );
        let e = err(&format!(
            "{scraped}{}",
            other("[sites.feeds.scrape]\nitem = \"article\"\ntitle = \"a\"\n")
        ));
        assert!(
            e.starts_with("config t.toml:17:1: sites[1].feeds[0].scrape: "),
            "{e}"
        );
        assert!(matches!(
            parse(&format!("{scraped}{}", other("")), "t"),
            Err(ConfigError::Invalid { .. })
        ));
    }
}
