//! A site's timeline: when each of its kept generation records was published, and whether it
//! was made live. Garbage collection keeps it (`sites/<site>/timeline.json`, rewritten when a
//! record comes or goes) so that neither it nor a frontend answering `/at/<when>` has to read
//! every record to learn its time: the generation live at an instant is the last live one
//! published at or before it.
//!
//! What is kept ([`Timeline::kept`]): the newest `keep_generations` records (for rollback),
//! and for each of the last `archive_days` UTC days the generation that was live at its end.
//! A day without a publication needs nothing of its own (the day before's generation was live
//! at its end too), so the days cost only what changed between them.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Key, Store, StoreError};

/// One generation record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    pub generation: u64,
    pub published_at: DateTime<Utc>,
    /// Recorded while the site was pinned by a rollback: never live, so never shown at a time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held: bool,
}

/// Every kept generation record of a site, oldest first, and when its blobs were last swept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    pub moments: Vec<Moment>,
    /// When GC last swept the site's blobs: with days kept, at most once a UTC day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swept: Option<DateTime<Utc>>,
}

/// What a time resolves to: the generation live then and the one that replaced it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub moment: Moment,
    pub next: Option<Moment>,
}

impl Found {
    /// Whether the answer for this time can never change: the generation was replaced on a
    /// later UTC day, so it was the one live at the end of its day and is kept as such (for
    /// `archive_days`). One replaced the same day is only kept for rollback, and a time it
    /// answers would later find an older generation.
    pub fn settled(&self) -> bool {
        self.next
            .is_some_and(|n| n.published_at.date_naive() > self.moment.published_at.date_naive())
    }
}

impl Timeline {
    /// The site's timeline as stored (empty if there is none yet).
    pub async fn read(store: &Store, site: &str) -> Result<Timeline, StoreError> {
        Ok(store
            .get_json::<Timeline>(&Key::Timeline(site.to_string()))
            .await?
            .unwrap_or_default())
    }

    /// Adds a record, keeping generation order; a known generation is left as it is.
    pub fn insert(&mut self, moment: Moment) {
        if let Err(at) = self
            .moments
            .binary_search_by_key(&moment.generation, |m| m.generation)
        {
            self.moments.insert(at, moment);
        }
    }

    /// The live generation at `at`: the last one published at or before it that was made live,
    /// and the live one after it. `None` before the first kept one.
    pub fn live_at(&self, at: DateTime<Utc>) -> Option<Found> {
        let mut live = self.moments.iter().filter(|m| !m.held);
        let mut found: Option<Found> = None;
        for m in live.by_ref() {
            if m.published_at > at {
                if let Some(f) = &mut found {
                    f.next = Some(*m);
                }
                break;
            }
            found = Some(Found {
                moment: *m,
                next: None,
            });
        }
        found
    }

    /// The generations to keep at `now`: the newest `keep_generations`, and those live at the
    /// end of any of the last `archive_days` UTC days (today included, whose end is to come:
    /// the newest live one).
    pub fn kept(
        &self,
        keep_generations: usize,
        archive_days: u32,
        now: DateTime<Utc>,
    ) -> BTreeSet<u64> {
        let mut kept: BTreeSet<u64> = self
            .moments
            .iter()
            .rev()
            .take(keep_generations)
            .map(|m| m.generation)
            .collect();
        // The first day of the window; a window reaching before the calendar keeps all.
        let first: Option<NaiveDate> = now
            .date_naive()
            .checked_sub_days(Days::new(u64::from(archive_days.saturating_sub(1))));
        let live: Vec<&Moment> = self.moments.iter().filter(|m| !m.held).collect();
        for (i, m) in live.iter().enumerate() {
            let kept_by_day = match live.get(i + 1) {
                // The newest live generation is live at the end of today.
                None => archive_days > 0,
                // Live at the end of every day from its own to the one before its
                // successor's: kept if that run of days reaches into the window.
                Some(next) => {
                    let (own, next) = (m.published_at.date_naive(), next.published_at.date_naive());
                    next > own && first.is_none_or(|f| next > f)
                }
            };
            if kept_by_day {
                kept.insert(m.generation);
            }
        }
        kept
    }

    /// Whether GC should sweep blobs at `now`: always while the kept records are the rollback
    /// window alone (as cheap as ever), else once a UTC day, since it reads every kept record.
    pub fn sweep_due(
        &self,
        kept: &BTreeSet<u64>,
        keep_generations: usize,
        now: DateTime<Utc>,
    ) -> bool {
        kept.len() <= keep_generations.min(self.moments.len())
            || self
                .swept
                .is_none_or(|s| s.date_naive() != now.date_naive())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn timeline(list: &[(u64, &str, bool)]) -> Timeline {
        let mut t = Timeline::default();
        for &(generation, when, held) in list {
            t.insert(Moment {
                generation,
                published_at: at(when),
                held,
            });
        }
        t
    }

    #[test]
    fn the_live_generation_at_a_time_skips_held_records() {
        let t = timeline(&[
            (1, "2026-11-28T10:00:00Z", false),
            (2, "2026-11-28T18:00:00Z", false),
            (3, "2026-11-29T09:00:00Z", false),
            (4, "2026-11-29T10:00:00Z", true),
            (5, "2026-11-30T09:00:00Z", false),
        ]);
        assert_eq!(t.live_at(at("2026-11-28T09:59:59Z")), None);
        let f = t.live_at(at("2026-11-28T23:59:59Z")).unwrap();
        assert_eq!((f.moment.generation, f.next.unwrap().generation), (2, 3));
        assert!(f.settled(), "replaced the next day");
        let f = t.live_at(at("2026-11-28T12:00:00Z")).unwrap();
        assert_eq!(f.moment.generation, 1);
        assert!(!f.settled(), "replaced the same day: pruned later");
        let f = t.live_at(at("2026-11-29T12:00:00Z")).unwrap();
        assert_eq!((f.moment.generation, f.next.unwrap().generation), (3, 5));
        let f = t.live_at(at("2027-01-01T00:00:00Z")).unwrap();
        assert_eq!((f.moment.generation, f.next), (5, None));
        assert!(!f.settled());
    }

    #[test]
    fn one_generation_per_day_is_kept_within_the_window() {
        // Three a day for five days.
        let mut list = vec![];
        for day in 1..=5u64 {
            for (k, hour) in ["06", "12", "18"].iter().enumerate() {
                list.push((day * 10 + k as u64, format!("2026-11-0{day}T{hour}:00:00Z")));
            }
        }
        let t = timeline(
            &list
                .iter()
                .map(|(g, s)| (*g, s.as_str(), false))
                .collect::<Vec<_>>(),
        );
        let now = at("2026-11-05T19:00:00Z");
        let kept: Vec<u64> = t.kept(2, 3, now).into_iter().collect();
        // Days 3 and 4 end on their 18:00 generation; today's newest is live; the window keeps
        // the newest two.
        assert_eq!(kept, [32, 42, 51, 52]);
        let mut t = t;
        assert!(t.sweep_due(&t.kept(2, 3, now), 2, now), "never swept");
        t.swept = Some(at("2026-11-05T07:00:00Z"));
        assert!(!t.sweep_due(&t.kept(2, 3, now), 2, now), "swept today");
        assert!(
            t.sweep_due(&t.kept(2, 1, now), 2, now),
            "no days beyond the window"
        );
        assert!(t.sweep_due(&t.kept(2, 3, now), 2, at("2026-11-06T00:00:00Z")));
        let everything: Vec<u64> = t.kept(1, u32::MAX, now).into_iter().collect();
        assert_eq!(everything, [12, 22, 32, 42, 52]);
        assert_eq!(t.kept(2, 1, now).len(), 2, "only today: the window");
    }

    #[test]
    fn a_quiet_stretch_keeps_the_generation_live_through_it() {
        let t = timeline(&[
            (1, "2026-10-01T08:00:00Z", false),
            (2, "2026-11-30T08:00:00Z", false),
        ]);
        // The window (Nov 28..30) starts while generation 1 was still live.
        let kept = t.kept(1, 3, at("2026-11-30T09:00:00Z"));
        assert!(kept.contains(&1) && kept.contains(&2), "{kept:?}");
        let kept = t.kept(1, 3, at("2026-12-04T09:00:00Z"));
        assert_eq!(kept.into_iter().collect::<Vec<_>>(), [2]);
    }
}
