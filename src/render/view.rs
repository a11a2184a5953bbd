//! View structs for templates and JSON, and the mapping from the stored model to them. Kept
//! apart from the model so what is stored and what is shown can change independently.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::config::{FeedConfig, SiteConfig};
use crate::model::{FeedContent, FetchRecord, feed_id};

#[derive(Debug, Clone, Default)]
pub struct EntryView {
    pub title: String,
    pub link: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// Plain text, at most about 300 characters (see [`crate::model::Entry::summary`]).
    /// Left out when `None`.
    pub summary: Option<String>,
    /// Our copy of the entry's thumbnail, where the site shows images for the feed. Left out
    /// when `None`.
    pub image: Option<ImageView>,
    /// When the fetcher first saw it: with `published`, which report of a story came first.
    /// Not shown.
    pub first_seen: Option<DateTime<Utc>>,
    /// The story it tells, with the site's other reports of it ([`super::stories`]); `None`
    /// where the site does not group stories (`group_stories = false`). Its fields are the
    /// entry's own.
    pub story: Option<StoryMark>,
}

/// Written by hand: the story's fields inline, as serde's `flatten` would put them, without
/// `flatten`'s detour through a map of buffered values (a tenth of a site render's CPU, for
/// every entry on the page, in `/api/headlines` and `/feed.json`).
impl Serialize for EntryView {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("EntryView", 10)?;
        out.serialize_field("title", &self.title)?;
        out.serialize_field("link", &self.link)?;
        out.serialize_field("published", &self.published)?;
        match &self.summary {
            Some(summary) => out.serialize_field("summary", summary)?,
            None => out.skip_field("summary")?,
        }
        match &self.image {
            Some(image) => out.serialize_field("image", image)?,
            None => out.skip_field("image")?,
        }
        if let Some(story) = &self.story {
            story.fields(&mut out)?;
        }
        out.end()
    }
}

/// An entry's story, as the page, `/api/headlines` and `/feed.json` give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryMark {
    /// Shared by the site's entries telling one story; the same across passes while the
    /// story's first report stays first.
    pub story: String,
    /// How many of the site's entries tell it.
    pub reports: usize,
    /// The story's first report, which the page shows with full weight; absent on that report
    /// itself.
    pub first: Option<Article>,
    /// The other sources' articles on it, first report first, one per source, at most
    /// [`super::stories::MAX_ALSO`].
    pub also: Vec<Article>,
    /// How many other sources tell it beyond those in `also`; left out when 0.
    pub more: usize,
}

impl StoryMark {
    /// Its fields, into a struct being written (its own or its entry's).
    fn fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
        out.serialize_field("story", &self.story)?;
        out.serialize_field("reports", &self.reports)?;
        match &self.first {
            Some(first) => out.serialize_field("first", first)?,
            None => out.skip_field("first")?,
        }
        out.serialize_field("also", &self.also)?;
        match self.more {
            0 => out.skip_field("more"),
            more => out.serialize_field("more", &more),
        }
    }
}

impl Serialize for StoryMark {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("StoryMark", 5)?;
        self.fields(&mut out)?;
        out.end()
    }
}

/// One source's article on a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article {
    /// The source's id and box title.
    pub source: String,
    pub source_title: String,
    /// An http(s) link.
    pub link: String,
}

/// A stored image as pages name it: its path on the site and its size in pixels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageView {
    /// `/assets/thumb.<hash>.<ext>`.
    pub url: String,
    pub width: u32,
    pub height: u32,
}

/// One source box.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    /// Stable id of the feed (see [`crate::model::feed_id`]).
    pub id: String,
    pub title: String,
    /// The feed URL as it may be shown ([`crate::address::shown_url`]: no user info, query or
    /// fragment). Not published where it points at a private address ([`public_url`]).
    pub url: String,
    pub site_url: Option<String>,
    /// Where the box title links: the site, else the feed when its URL may be published.
    pub link: Option<String>,
    /// The path of the stored logo (`/assets/logo-<id>.<hash>.<ext>`), if one was found.
    pub logo: Option<String>,
    /// The last successful fetch that changed the box.
    pub last_success: Option<DateTime<Utc>>,
    /// The full error, for `/api/headlines` and admins.
    pub error: Option<String>,
    /// The short reason readers see (see [`crate::model::FeedError::reason`]).
    pub error_reason: Option<String>,
    /// The class of the last failure (`timeout`, `http`, `parse`, ...; see [`crate::model::FeedError`]).
    pub error_kind: Option<String>,
    pub entries: Vec<EntryView>,
}

/// The box of `feed` as `site` shows it: its newest `history` entries that the site's rules
/// let through ([`SiteConfig::shows`]; the stored feed may keep more for another site that asks
/// for more, or filters otherwise).
pub fn source_view(
    site: &SiteConfig,
    feed: &FeedConfig,
    content: &FeedContent,
    record: Option<&FetchRecord>,
    history: usize,
) -> SourceView {
    let url = feed.url.as_str();
    let title = feed
        .title
        .clone()
        .or_else(|| content.title.clone())
        .unwrap_or_else(|| {
            let host = feed.url.url().host_str();
            host.map_or_else(|| crate::address::shown_url(url), str::to_string)
        });
    // Only stable health fields: times that move on every fetch (last checked, next fetch)
    // would change the published JSON on a pass with no news. They go to the log.
    let error = record.and_then(|r| r.last_error.as_ref());
    let site_url = feed
        .site_url
        .as_ref()
        .map(|u| u.as_str().to_string())
        .or_else(|| content.site_url.clone());
    let shown = crate::address::shown_url(url);
    let images = site.images(feed);
    SourceView {
        id: feed_id(url),
        title,
        link: site_url
            .clone()
            .or_else(|| public_url(&shown).map(str::to_string)),
        url: shown,
        site_url,
        logo: record
            .and_then(|r| r.logo.as_ref())
            .and_then(|l| l.asset.as_deref())
            .filter(|a| crate::assets::is_hashed_name(a))
            .map(|a| format!("/assets/{a}")),
        last_success: content.updated_at,
        error: error.map(|e| e.message.clone()),
        error_reason: error.map(|e| e.reason()),
        error_kind: error.map(|e| e.kind.clone()),
        entries: shown_entries(site, feed, content, history)
            .map(|e| EntryView {
                title: e.title.clone(),
                link: e.link.clone(),
                published: e.published,
                first_seen: Some(e.first_seen),
                story: None,
                summary: e.summary.clone(),
                image: e
                    .image
                    .as_ref()
                    .filter(|_| images)
                    .and_then(|i| i.copy.as_ref())
                    .filter(|c| crate::assets::is_hashed_name(&c.asset))
                    .map(|c| ImageView {
                        url: format!("/assets/{}", c.asset),
                        width: c.width,
                        height: c.height,
                    }),
            })
            .collect(),
    }
}

/// The entries `site` shows of `feed`: its newest `history` that the site's rules let through.
/// The source box's and the search index's.
pub fn shown_entries<'a>(
    site: &'a SiteConfig,
    feed: &'a FeedConfig,
    content: &'a FeedContent,
    history: usize,
) -> impl Iterator<Item = &'a crate::model::Entry> + 'a {
    content
        .entries
        .iter()
        .filter(|e| site.shows(feed, &e.title, e.link.as_deref()))
        .take(history)
}

/// `url` if it may be published: not when its host is a loopback, private, link-local or
/// otherwise reserved address (the fetcher's SSRF guard decides which), nor a name that only
/// means something inside a network (`localhost`, single-label names, `.local`, `.internal`).
/// A reader learns nothing about the fetcher's network from a page.
pub fn public_url(url: &str) -> Option<&str> {
    let parsed = url::Url::parse(url).ok()?;
    let public = match parsed.host()? {
        url::Host::Ipv4(ip) => !crate::address::is_forbidden(ip.into()),
        url::Host::Ipv6(ip) => !crate::address::is_forbidden(ip.into()),
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            let internal = [".localhost", ".local", ".internal", ".lan", ".home.arpa"];
            d.contains('.') && !internal.iter().any(|s| d.ends_with(s))
        }
    };
    public.then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_feed_urls_are_not_published() {
        for private in [
            "http://127.0.0.1:8080/feed",
            "http://10.0.0.5/rss",
            "http://[::1]/rss",
            "http://169.254.169.254/latest",
            "http://localhost/rss",
            "http://news.localhost/rss",
            "http://intranet/rss",
            "http://printer.local/rss",
            "http://wiki.corp.internal/rss",
        ] {
            assert_eq!(public_url(private), None, "{private}");
        }
        for public in ["https://lwn.net/headlines/rss", "http://93.184.216.34/feed"] {
            assert_eq!(public_url(public), Some(public));
        }
    }

    /// A stored feed with entries titled `titles`, newest first.
    fn content(titles: &[&str]) -> FeedContent {
        let mut c = FeedContent::empty("https://e.org/rss");
        c.entries = titles
            .iter()
            .map(|t| crate::model::Entry {
                id: t.to_string(),
                title: t.to_string(),
                link: Some(format!("https://e.org/{}", t.replace(' ', "-"))),
                published: None,
                first_seen: "2026-11-23T10:00:00Z".parse().unwrap(),
                summary: None,
                image: None,
            })
            .collect();
        c
    }

    #[test]
    fn a_box_shows_what_the_rules_keep_up_to_its_history() {
        let config = crate::config::parse(
            "[[sites]]\nname = \"t\"\ntitle = \"T\"\ndrop = \"(?i)advert\"\n[[sites.feeds]]\nurl = \"https://e.org/rss\"\nkeep = \"rust\"\ndrop = \"^Ask\"\n",
            "t",
        )
        .unwrap();
        let (site, feed) = (&config.sites[0], &config.sites[0].feeds[0]);
        let stored = content(&[
            "rust 2.0",
            "Ask: rust or go?",
            "ADVERT: rust course",
            "python 4",
            "news",
            "rust 1.99",
            "rust 1.98",
        ]);
        let view = source_view(site, feed, &stored, None, 2);
        let titles: Vec<&str> = view.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            ["rust 2.0", "rust 1.99"],
            "history counts shown entries"
        );
        // The link counts as well: `keep` lets through an entry whose link names rust.
        let mut linked = content(&["release notes"]);
        linked.entries[0].link = Some("https://e.org/rust/notes".into());
        assert_eq!(source_view(site, feed, &linked, None, 5).entries.len(), 1);
    }

    #[test]
    fn thumbnails_show_only_where_the_site_wants_images_and_only_our_copy() {
        use crate::model::{ImageCopy, Thumbnail};
        let config = |images: &str| {
            crate::config::parse(
                &format!("[[sites]]\nname = \"t\"\ntitle = \"T\"\nimages = true\n[[sites.feeds]]\nurl = \"https://e.org/rss\"\n{images}"),
                "t",
            )
            .unwrap()
        };
        let mut stored = content(&["copied", "offered"]);
        stored.entries[0].summary = Some("A summary".into());
        stored.entries[0].image = Some(Thumbnail {
            copy: Some(ImageCopy {
                asset: "thumb.0123456789abcdef.jpg".into(),
                width: 640,
                height: 360,
            }),
            ..Thumbnail::offered("https://cdn.e.org/1.jpg".into())
        });
        stored.entries[1].image = Some(Thumbnail::offered("https://cdn.e.org/2.jpg".into()));
        let on = config("");
        let view = source_view(&on.sites[0], &on.sites[0].feeds[0], &stored, None, 10);
        assert_eq!(view.entries[0].summary.as_deref(), Some("A summary"));
        assert_eq!(
            view.entries[0].image,
            Some(ImageView {
                url: "/assets/thumb.0123456789abcdef.jpg".into(),
                width: 640,
                height: 360
            })
        );
        assert_eq!(
            view.entries[1].image, None,
            "not copied yet: no image, never the source"
        );
        let off = config("images = false\n");
        let view = source_view(&off.sites[0], &off.sites[0].feeds[0], &stored, None, 10);
        assert_eq!(view.entries[0].image, None, "the feed's setting wins");
        assert!(
            view.entries[0].summary.is_some(),
            "summaries are not images"
        );
    }

    #[test]
    fn a_feed_url_is_shown_without_its_password_and_query() {
        let config = crate::config::parse(
            "[[sites]]\nname = \"t\"\ntitle = \"T\"\n[[sites.feeds]]\nurl = \"https://u:pass@news.example/rss?token=SECRET\"\n",
            "t",
        )
        .unwrap();
        let feed = &config.sites[0].feeds[0];
        let content = FeedContent::empty(feed.url.as_str());
        let view = source_view(&config.sites[0], feed, &content, None, 10);
        assert_eq!(view.url, "https://news.example/rss");
        assert_eq!(view.link.as_deref(), Some("https://news.example/rss"));
        assert_eq!(view.title, "news.example");
        assert_eq!(
            view.id,
            feed_id(feed.url.as_str()),
            "ids stay those of the full URL"
        );
    }

    #[test]
    fn an_entry_carries_its_story_inline_and_leaves_out_what_it_lacks() {
        let mut entry = EntryView {
            title: "T".into(),
            link: Some("https://a.example/1".into()),
            published: Some("2026-11-23T12:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        let json = |e: &EntryView| serde_json::to_string(e).unwrap();
        assert_eq!(
            json(&entry),
            r#"{"title":"T","link":"https://a.example/1","published":"2026-11-23T12:00:00Z"}"#
        );
        let article = Article {
            source: "b".into(),
            source_title: "B".into(),
            link: "https://b.example/1".into(),
        };
        entry.summary = Some("S".into());
        entry.story = Some(StoryMark {
            story: "abc".into(),
            reports: 3,
            first: Some(article.clone()),
            also: vec![article],
            more: 1,
        });
        let article = r#"{"source":"b","source_title":"B","link":"https://b.example/1"}"#;
        assert_eq!(
            json(&entry),
            format!(
                r#"{{"title":"T","link":"https://a.example/1","published":"2026-11-23T12:00:00Z","summary":"S","story":"abc","reports":3,"first":{article},"also":[{article}],"more":1}}"#
            )
        );
        let story = entry.story.as_mut().unwrap();
        (story.first, story.more) = (None, 0);
        assert_eq!(
            serde_json::to_string(story).unwrap(),
            format!(r#"{{"story":"abc","reports":3,"also":[{article}]}}"#)
        );
        // Templates see the same fields.
        let env = minijinja::Environment::new();
        let page = env
            .render_str(
                "{{ e.title }} {{ e.story }} {{ e.reports }} {{ e.first is defined }} {{ e.summary }}",
                minijinja::context! { e => minijinja::Value::from(minijinja::value::Serde(&entry)) },
            )
            .unwrap();
        assert_eq!(page, "T abc 3 False S");
    }
}
