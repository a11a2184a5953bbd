//! What a site's pages are made from, summed up in one digest: the build, the site's config,
//! for each of its feeds the version of its stored content and what its box shows of its
//! health and logo, its headline block version and image copies, and its weather cell. A site
//! whose digest equals the one of the generation this shard last published is not rendered
//! again: a pass with nothing new reads no feed content and renders nothing, whatever the
//! number of feeds. Everything here comes from objects a pass reads anyway.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::config::{Config, SiteConfig};
use crate::model::FetchRecord;

/// What a site shows besides its feeds, as the pass knows it without reading more.
#[derive(Debug, Default)]
pub struct Extras<'a> {
    /// The current headline block version.
    pub block: Option<&'a str>,
    /// The block's image copies (URL → asset), in a stable form.
    pub images: Option<String>,
    /// The state of the site's weather cell (when it was fetched, failures).
    pub weather: Option<String>,
}

/// The digest of `site`'s inputs; equal digests render equal pages.
pub fn digest(
    config: &Config,
    site: &SiteConfig,
    records: &HashMap<String, FetchRecord>,
    extras: &Extras,
) -> String {
    let mut h = Sha256::new();
    let mut eat = |part: &str| {
        h.update(part.as_bytes());
        h.update([0]);
    };
    eat(env!("NEWSDESK_BUILD_ID"));
    // The parsed config's debug form: it names every setting the renderer reads, and the build
    // id above covers any change in how it is printed.
    eat(&format!("{site:?}"));
    eat(&format!(
        "{} {:?}",
        config.fetch.history,
        config.weather.as_ref().map(|w| w.provider)
    ));
    for feed in &site.feeds {
        match records.get(feed.url.as_str()) {
            None => eat("-"),
            Some(r) => {
                eat(&format!("{:?}", r.content_updated));
                eat(&format!("{:?}", r.last_error));
                eat(&format!("{:?}", r.logo.as_ref().map(|l| &l.asset)));
            }
        }
    }
    eat(extras.block.unwrap_or("-"));
    eat(extras.images.as_deref().unwrap_or("-"));
    eat(extras.weather.as_deref().unwrap_or("-"));
    hex::encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crate::config::parse(
            "[[sites]]\nname = \"s\"\ntitle = \"S\"\n[[sites.feeds]]\nurl = \"https://e.org/a\"\n",
            "t",
        )
        .unwrap()
    }

    #[test]
    fn the_digest_moves_with_what_the_page_shows_and_nothing_else() {
        let c = config();
        let site = &c.sites[0];
        let mut records = HashMap::new();
        let base = digest(&c, site, &records, &Extras::default());
        assert_eq!(base, digest(&c, site, &records, &Extras::default()));

        let mut r = FetchRecord {
            url: "https://e.org/a".into(),
            ..Default::default()
        };
        records.insert(r.url.clone(), r.clone());
        let fetched = digest(&c, site, &records, &Extras::default());
        assert_ne!(base, fetched, "a first fetch");

        // A check that found nothing new moves only times the page does not show.
        r.last_checked = Some(chrono::Utc::now());
        r.next_fetch = Some(chrono::Utc::now());
        r.etag = Some("\"x\"".into());
        records.insert(r.url.clone(), r.clone());
        assert_eq!(fetched, digest(&c, site, &records, &Extras::default()));

        r.content_updated = Some(chrono::Utc::now());
        records.insert(r.url.clone(), r.clone());
        let news = digest(&c, site, &records, &Extras::default());
        assert_ne!(fetched, news, "new content");

        let block = Extras {
            block: Some("v2"),
            ..Default::default()
        };
        assert_ne!(
            news,
            digest(&c, site, &records, &block),
            "a new headline block"
        );
    }

    #[test]
    fn a_changed_keep_or_drop_rule_renders_the_site_again() {
        let text = |site_drop: &str, feed_rules: &str| {
            format!(
                "[[sites]]\nname = \"s\"\ntitle = \"S\"\n{site_drop}[[sites.feeds]]\nurl = \"https://e.org/a\"\n{feed_rules}"
            )
        };
        let digest_of = |t: String| {
            let c = crate::config::parse(&t, "t").unwrap();
            digest(&c, &c.sites[0], &HashMap::new(), &Extras::default())
        };
        let digests = [
            digest_of(text("", "")),
            digest_of(text("", "keep = \"rust\"\n")),
            digest_of(text("", "keep = \"go\"\n")),
            digest_of(text("", "drop = \"rust\"\n")),
            digest_of(text("drop = \"rust\"\n", "")),
            digest_of(text("drop = \"go\"\n", "")),
        ];
        for (i, a) in digests.iter().enumerate() {
            for b in &digests[i + 1..] {
                assert_ne!(a, b, "{digests:?}");
            }
        }
        assert_eq!(digests[1], digest_of(text("", "keep = \"rust\"\n")));
    }
}
