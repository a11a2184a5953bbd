//! When a site's automatic pick is due. Pure: the clock is an argument.
//!
//! A pick is due when a tick of the site's schedule has passed since the last automatic pick.
//! Ticks missed while the fetcher was down give one pick, not one per tick; a pick made, the
//! next is due at the next tick. A site that never had an automatic pick gets one at once.

use chrono::{DateTime, Utc};

use crate::config::CronSchedule;

/// Whether a pick is due at `now`, given when the last automatic pick was made.
pub fn is_due(
    schedule: &CronSchedule,
    last_pick: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    next_pick(schedule, last_pick, now).is_some_and(|tick| tick <= now)
}

/// When the next pick is due: the first tick after the last pick (`now` when there was none;
/// a time in the past means due now). `None` when the schedule has no tick left.
pub fn next_pick(
    schedule: &CronSchedule,
    last_pick: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match last_pick {
        None => Some(now),
        // `after` yields ticks strictly after the given time: a pick made at a tick's exact
        // second does not make that same tick due again.
        Some(last) => schedule.0.after(&last).next(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn three_a_day() -> CronSchedule {
        CronSchedule::parse("0 0 6,12,18 * * *").unwrap()
    }

    #[test]
    fn the_first_pick_is_due_at_once() {
        assert!(is_due(&three_a_day(), None, t("2026-11-23T07:30:00Z")));
    }

    #[test]
    fn not_due_again_before_the_next_tick() {
        let s = three_a_day();
        let picked = t("2026-11-23T06:00:04Z");
        assert!(!is_due(&s, Some(picked), t("2026-11-23T06:05:00Z")));
        assert!(!is_due(&s, Some(picked), t("2026-11-23T11:59:59Z")));
        assert!(is_due(&s, Some(picked), t("2026-11-23T12:00:00Z")));
        assert_eq!(
            next_pick(&s, Some(picked), t("2026-11-23T06:05:00Z")),
            Some(t("2026-11-23T12:00:00Z"))
        );
    }

    #[test]
    fn a_pick_made_on_the_tick_itself_is_not_repeated() {
        let s = three_a_day();
        let picked = t("2026-11-23T12:00:00Z");
        assert!(!is_due(&s, Some(picked), picked));
        assert!(!is_due(&s, Some(picked), t("2026-11-23T12:00:30Z")));
    }

    #[test]
    fn ticks_missed_while_down_give_one_pick() {
        let s = three_a_day();
        // Down from Monday 06:10 to Tuesday 13:00: five ticks missed.
        let mut last = t("2026-11-23T06:10:00Z");
        let back = t("2026-11-24T13:00:00Z");
        let mut picks = 0;
        for minute in 0..60 {
            let now = back + chrono::Duration::minutes(minute);
            if is_due(&s, Some(last), now) {
                picks += 1;
                last = now;
            }
        }
        assert_eq!(picks, 1, "one pick for all the missed ticks");
        assert!(is_due(&s, Some(last), t("2026-11-24T18:00:00Z")));
    }

    #[test]
    fn a_schedule_with_no_tick_left_is_never_due_again() {
        let s = CronSchedule::parse("0 0 6 1 1 * 2020").unwrap();
        let last = t("2021-01-01T00:00:00Z");
        assert!(!is_due(&s, Some(last), t("2026-11-23T12:00:00Z")));
        assert_eq!(next_pick(&s, Some(last), t("2026-11-23T12:00:00Z")), None);
    }
}
