//! Version names of headline files: `<UTC time to the millisecond>-<8 random hex digits>`,
//! e.g. `20261123T101500.123Z-0a1b2c3d`. Unique without coordination between writers (two
//! admins saving in the same millisecond still differ), and sorting names sorts by time.

use chrono::{DateTime, NaiveDateTime, Utc};

const TIME_FORMAT: &str = "%Y%m%dT%H%M%S%.3fZ";
/// `20261123T101500.123Z` is 20 characters, then `-` and 8 hex digits.
const LEN: usize = 29;

/// A new version name for something written at `now`.
pub fn new_version(now: DateTime<Utc>) -> String {
    format!("{}-{}", now.format(TIME_FORMAT), random_hex(4))
}

/// Whether `s` is a version name (so it can be put in a store key or a URL as it is).
pub fn is_version(s: &str) -> bool {
    s.len() == LEN
        && time_of(s).is_some()
        && s.as_bytes()[20] == b'-'
        && s[21..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// When a version was made, by its writer's clock.
pub fn time_of(version: &str) -> Option<DateTime<Utc>> {
    let time = version.get(..20)?;
    NaiveDateTime::parse_from_str(time, TIME_FORMAT)
        .ok()
        .map(|t| t.and_utc())
}

/// `bytes` random bytes from the OS, in hex: for version names, session ids and salts.
pub fn random_hex(bytes: usize) -> String {
    hex::encode(random_bytes(bytes))
}

/// Random bytes from the OS. The OS generator failing leaves nothing safe to do.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the operating system's random generator works");
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_unique_sortable_and_parse_back() {
        let t: DateTime<Utc> = "2026-11-23T10:15:00.123Z".parse().unwrap();
        let a = new_version(t);
        let b = new_version(t);
        assert_ne!(
            a, b,
            "the random part tells same-millisecond versions apart"
        );
        assert!(a.starts_with("20261123T101500.123Z-"), "{a}");
        assert!(is_version(&a), "{a}");
        assert_eq!(time_of(&a), Some(t));
        let later = new_version(t + chrono::Duration::milliseconds(1));
        assert!(a < later && b < later);
        for bad in [
            "",
            "../../etc/passwd",
            "20261123T101500.123Z-0A1B2C3D",
            "20261123T101500.123Z-0a1b2c3",
            "20261323T101500.123Z-0a1b2c3d",
            "20261123T101500.123Z/0a1b2c3d",
        ] {
            assert!(!is_version(bad), "{bad}");
        }
    }
}
