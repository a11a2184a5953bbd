//! Merging a fresh fetch into a feed's stored history: new entries first, one entry per id,
//! newest first where dates exist, bounded. Pure.

use std::collections::{HashMap, HashSet};

use crate::model::Entry;

/// Returns the merged history: entries from `fresh` replace stored ones with the same id (keeping
/// when they were first seen), stored entries the feed no longer lists are kept, newest first,
/// at most `cap`.
///
/// A re-sent entry keeps what the feed does not send again: its stored summary when the fetch
/// has none (a feed that shortens its items, a page whose summary moved), and its image copy
/// when the feed names the same image (copied once, not once per fetch).
pub fn merge(stored: &[Entry], fresh: Vec<Entry>, cap: usize) -> Vec<Entry> {
    let by_id: HashMap<&str, &Entry> = stored.iter().map(|e| (e.id.as_str(), e)).collect();
    // The first entry of each id in the fresh fetch wins; stored entries it lists are replaced.
    let mut fresh_ids = HashSet::with_capacity(fresh.len());
    let first_of_id: Vec<bool> = fresh
        .iter()
        .map(|e| fresh_ids.insert(e.id.as_str()))
        .collect();
    let unlisted: Vec<&Entry> = stored
        .iter()
        .filter(|e| !fresh_ids.contains(e.id.as_str()))
        .collect();
    let mut out: Vec<Entry> = Vec::with_capacity(fresh.len() + unlisted.len());
    // An unknown entry listed below a known one is taken to be no newer than it: feeds list new
    // entries on top, and one further down is most likely an entry the bounded history dropped
    // before. Stamping it "seen now" would sort it on top, push a kept entry out, and repeat on
    // every fetch: the page would churn and the schedule would see news that is not there.
    let mut known_above = None;
    for (mut entry, first) in fresh.into_iter().zip(first_of_id) {
        if !first {
            continue;
        }
        match by_id.get(entry.id.as_str()) {
            Some(before) => {
                entry.first_seen = before.first_seen;
                known_above = Some(before.first_seen);
                if entry.summary.is_none() {
                    entry.summary.clone_from(&before.summary);
                }
                if let (Some(image), Some(old)) = (&mut entry.image, &before.image)
                    && image.source == old.source
                {
                    image.clone_from(old);
                }
            }
            None => {
                if let Some(t) = known_above {
                    entry.first_seen = entry.first_seen.min(t);
                }
            }
        }
        // A date after the entry was first seen is a wrong clock (parsing clamped it to the
        // fetch): pinning it to the first sighting keeps it there on every later fetch.
        entry.published = entry.published.map(|p| p.min(entry.first_seen));
        out.push(entry);
    }
    out.extend(unlisted.into_iter().cloned());
    // Stable: entries with equal keys keep feed order, and fresh ones come before stored ones.
    out.sort_by_key(|e| std::cmp::Reverse(sort_key(e)));
    out.truncate(cap);
    out
}

fn sort_key(e: &Entry) -> chrono::DateTime<chrono::Utc> {
    e.published.unwrap_or(e.first_seen)
}

/// How many entries of `merged` were not in `stored`.
pub fn count_new(stored: &[Entry], merged: &[Entry]) -> usize {
    let old: HashSet<&str> = stored.iter().map(|e| e.id.as_str()).collect();
    merged
        .iter()
        .filter(|e| !old.contains(e.id.as_str()))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Duration, Utc};

    fn t(h: i64) -> DateTime<Utc> {
        "2026-11-23T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::hours(h)
    }

    fn e(id: &str, published: Option<i64>, seen: i64) -> Entry {
        Entry {
            id: id.into(),
            title: format!("title {id}"),
            link: None,
            published: published.map(t),
            first_seen: t(seen),
            summary: None,
            image: None,
        }
    }

    fn ids(v: &[Entry]) -> Vec<&str> {
        v.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn new_entries_come_first_and_old_ones_stay() {
        let stored = vec![e("b", None, 1), e("a", None, 1)];
        let merged = merge(&stored, vec![e("c", None, 5), e("b", None, 5)], 40);
        assert_eq!(ids(&merged), ["c", "b", "a"]);
        assert_eq!(count_new(&stored, &merged), 1);
    }

    #[test]
    fn duplicates_are_collapsed_and_first_seen_kept() {
        let stored = vec![e("a", None, 1)];
        let mut changed = e("a", None, 9);
        changed.title = "edited".into();
        let merged = merge(&stored, vec![changed.clone(), changed], 40);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].title, "edited");
        assert_eq!(merged[0].first_seen, t(1));
    }

    #[test]
    fn dated_entries_are_ordered_newest_first() {
        let merged = merge(
            &[],
            vec![
                e("old", Some(1), 9),
                e("new", Some(8), 9),
                e("mid", Some(4), 9),
            ],
            40,
        );
        assert_eq!(ids(&merged), ["new", "mid", "old"]);
    }

    #[test]
    fn history_is_bounded() {
        let fresh: Vec<Entry> = (0..50).map(|i| e(&i.to_string(), Some(i), 60)).collect();
        let merged = merge(&[], fresh, 40);
        assert_eq!(merged.len(), 40);
        assert_eq!(merged[0].id, "49");
    }

    #[test]
    fn a_long_undated_feed_does_not_churn_past_the_cap() {
        let fetch = |seen: i64| {
            (0..6)
                .map(|i| e(&i.to_string(), None, seen))
                .collect::<Vec<_>>()
        };
        let once = merge(&[], fetch(1), 4);
        assert_eq!(ids(&once), ["0", "1", "2", "3"]);
        let twice = merge(&once, fetch(2), 4);
        assert_eq!(
            twice, once,
            "entries 4 and 5 were dropped before and are not news now"
        );
        assert_eq!(count_new(&once, &twice), 0);
        let mut with_news = fetch(3);
        with_news.insert(0, e("new", None, 3));
        assert_eq!(ids(&merge(&twice, with_news, 4)), ["new", "0", "1", "2"]);
    }

    #[test]
    fn merging_the_same_fetch_twice_changes_nothing() {
        let fresh = vec![e("x", Some(3), 3), e("y", None, 3)];
        let once = merge(&[], fresh.clone(), 40);
        let twice = merge(&once, fresh, 40);
        assert_eq!(once, twice);
    }

    #[test]
    fn a_resent_entry_keeps_its_summary_and_its_image_copy() {
        use crate::model::{ImageCopy, Thumbnail};
        let mut before = e("a", None, 1);
        before.summary = Some("stored summary".into());
        before.image = Some(Thumbnail {
            copy: Some(ImageCopy {
                asset: "thumb.0123456789abcdef.jpg".into(),
                width: 120,
                height: 80,
            }),
            ..Thumbnail::offered("https://img.example/a.jpg".into())
        });
        let mut again = e("a", None, 5);
        again.image = Some(Thumbnail::offered("https://img.example/a.jpg".into()));
        let merged = merge(std::slice::from_ref(&before), vec![again.clone()], 40);
        assert_eq!(
            merged[0].summary, before.summary,
            "a fetch without one keeps it"
        );
        assert_eq!(
            merged[0].image, before.image,
            "the same image is not copied again"
        );
        again.summary = Some("edited".into());
        again.image = Some(Thumbnail::offered("https://img.example/new.jpg".into()));
        let merged = merge(&[before], vec![again.clone()], 40);
        assert_eq!(merged[0].summary.as_deref(), Some("edited"));
        assert_eq!(merged[0].image, again.image, "a new image is a new copy");
    }
}
