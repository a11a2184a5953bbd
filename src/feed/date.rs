//! Dates as feeds and pages write them, right or wrong. Pure.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// RFC 3339, RFC 2822, the ways feeds get RFC 2822 wrong ([`repaired_rfc2822`]) and the common
/// forms of dates on web pages. A date without a zone is taken as UTC, and a date without a
/// time as its midnight.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    // Most dates are in one of the two forms feeds should use: read them without a copy.
    let trimmed = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(trimmed) {
        return Some(d.to_utc());
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(trimmed) {
        return Some(d.to_utc());
    }
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        return None;
    }
    let s = s.as_str();
    if let Some(d) = repaired_rfc2822(s) {
        return Some(d);
    }
    const ZONED: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M%z",
    ];
    if let Some(d) = ZONED
        .iter()
        .find_map(|f| DateTime::parse_from_str(s, f).ok())
    {
        return Some(d.to_utc());
    }
    // "UTC" and "GMT" as words, and "Z" after a time without seconds.
    let naive = s
        .strip_suffix(" UTC")
        .or_else(|| s.strip_suffix(" GMT"))
        .or_else(|| s.strip_suffix('Z'))
        .unwrap_or(s)
        .trim_end();
    const TIMES: [&str; 10] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%B %d, %Y %H:%M",
        "%B %d, %Y %I:%M %p",
        "%d %B %Y %H:%M",
        "%d.%m.%Y %H:%M",
    ];
    if let Some(d) = TIMES
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(naive, f).ok())
    {
        return Some(d.and_utc());
    }
    // "Mon, ", "Monday " and the like before a date, and a period after an abbreviated month.
    let date = naive
        .split_once(", ")
        .filter(|(day, _)| is_weekday(day))
        .map_or(naive, |(_, rest)| rest)
        .replace(". ", " ");
    const DATES: [&str; 8] = [
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%B %d, %Y",
        "%B %d %Y",
        "%d %B %Y",
        "%d %B, %Y",
        "%d.%m.%Y",
        "%A %B %d, %Y",
    ];
    DATES
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(&date, f).ok())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

fn is_weekday(word: &str) -> bool {
    word.parse::<chrono::Weekday>().is_ok()
}

/// An RFC 2822 date as feeds write it wrong (the cases feed-rs repairs): a wrong or long
/// weekday ("Thurs, "), a long month name, the month before the day, "UTC", "Z" or "-0000" for
/// the zone, hour 24 for 0 and a one-digit hour.
fn repaired_rfc2822(s: &str) -> Option<DateTime<Utc>> {
    let mut parts: Vec<&str> = s.split(' ').collect();
    // The weekday, right or wrong, says nothing the date does not.
    if parts
        .first()
        .and_then(|w| w.strip_suffix(','))
        .is_some_and(|w| !w.is_empty() && w.chars().all(char::is_alphabetic))
    {
        parts.remove(0);
    }
    let [mut day, mut month, year, time, zone] = parts[..] else {
        return None;
    };
    if month_of(day).is_some() {
        (day, month) = (month, day);
    }
    let month = month_of(month)?;
    let (hour, rest) = time.split_once(':')?;
    let hour = match hour {
        "24" => "00",
        h => h,
    };
    let zone = match zone {
        "UTC" | "Z" | "-0000" => "+0000",
        z => z,
    };
    let text = format!("{day} {month} {year} {hour:0>2}:{rest} {zone}");
    DateTime::parse_from_rfc2822(&text).ok().map(|d| d.to_utc())
}

/// The English month a word names, in full or cut after three letters or more ("Nov",
/// "Sept", "November"), as RFC 2822 writes it.
fn month_of(word: &str) -> Option<&'static str> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let word = word.as_bytes();
    MONTHS
        .into_iter()
        .find(|m| {
            word.len() >= 3
                && m.len() >= word.len()
                && m.as_bytes()[..word.len()].eq_ignore_ascii_case(word)
        })
        .map(|m| &m[..3])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn common_date_forms_are_read() {
        for (text, want) in [
            ("2026-11-20T14:30:00+01:00", "2026-11-20T13:30:00Z"),
            ("2026-11-20T14:30:00.123Z", "2026-11-20T14:30:00.123Z"),
            ("Fri, 20 Nov 2026 14:30:00 GMT", "2026-11-20T14:30:00Z"),
            ("2026-11-20 14:30:00+0100", "2026-11-20T13:30:00Z"),
            ("2026-11-20T14:30", "2026-11-20T14:30:00Z"),
            ("2026-11-20 14:30", "2026-11-20T14:30:00Z"),
            ("2026-11-20 14:30 UTC", "2026-11-20T14:30:00Z"),
            ("2026/11/20 14:30", "2026-11-20T14:30:00Z"),
            ("2026-11-20", "2026-11-20T00:00:00Z"),
            ("2026/11/20", "2026-11-20T00:00:00Z"),
            ("November 20, 2026", "2026-11-20T00:00:00Z"),
            ("Nov 20, 2026", "2026-11-20T00:00:00Z"),
            ("Nov. 20, 2026", "2026-11-20T00:00:00Z"),
            ("Nov 5 2026", "2026-11-05T00:00:00Z"),
            ("20 November 2026", "2026-11-20T00:00:00Z"),
            ("5 Nov 2026", "2026-11-05T00:00:00Z"),
            ("Friday, November 20, 2026", "2026-11-20T00:00:00Z"),
            ("Fri, 20 Nov 2026", "2026-11-20T00:00:00Z"),
            ("November 20, 2026 2:30 PM", "2026-11-20T14:30:00Z"),
            ("20.11.2026", "2026-11-20T00:00:00Z"),
            ("  \n 2026-11-20 \n ", "2026-11-20T00:00:00Z"),
            // What feeds get wrong in RFC 2822, as feed-rs repairs it.
            ("Sat, 20 Nov 2026 14:30:00 GMT", "2026-11-20T14:30:00Z"),
            ("Thurs, 19 Nov 2026 14:30:00 GMT", "2026-11-19T14:30:00Z"),
            (
                "Friday, 20 November 2026 14:30:00 +0100",
                "2026-11-20T13:30:00Z",
            ),
            ("Fri, Nov 20 2026 14:30:00 -0500", "2026-11-20T19:30:00Z"),
            ("Fri, 20 Nov 2026 14:30:00 UTC", "2026-11-20T14:30:00Z"),
            ("Fri, 20 Nov 2026 14:30:00 Z", "2026-11-20T14:30:00Z"),
            ("Fri, 20 Nov 2026 14:30:00 -0000", "2026-11-20T14:30:00Z"),
            ("Fri, 20 Nov 2026 24:30:00 GMT", "2026-11-20T00:30:00Z"),
            ("Fri, 20 Nov 2026 4:30:00 EST", "2026-11-20T09:30:00Z"),
            ("2026-11-20T14:30:00+0100", "2026-11-20T13:30:00Z"),
        ] {
            assert_eq!(parse_date(text), Some(date(want)), "{text:?}");
        }
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "Nov 31, 2026",
            "12345",
            "Fri, 20 Novelty 2026 14:30:00 GMT",
            "Fri, 20 Nov 2026 14:30:00 GMT extra",
            "Fri, 20 Növ 2026 14:30:00 GMT",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }
}
