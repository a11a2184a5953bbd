//! What is wrong with a config, and where: the file, the key path and the line and column.
//!
//! Every config error reads alike, whether toml could not read the text, serde refused a key or
//! a value, or a rule spanning keys failed:
//! `config /etc/newsdesk/newsdesk.toml:14:11: sites[2].feeds[3].history: must be at least 1`.

use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("config {origin}{}: {}{message}", at_suffix(.at), key_prefix(.key))]
    Invalid {
        /// The file (or what the text came from).
        origin: String,
        /// The key the message is about; empty when it is about no key (a syntax error
        /// between keys, a missing top-level key).
        key: KeyPath,
        /// Where in the text: the value of `key` when it is written there, else the nearest
        /// table that is; `None` when the text has no place to point at.
        at: Option<Location>,
        /// What is wrong and, where it helps, what is accepted.
        message: String,
    },
}

fn at_suffix(at: &Option<Location>) -> String {
    at.map(|at| format!(":{at}")).unwrap_or_default()
}

fn key_prefix(key: &KeyPath) -> String {
    if key.is_root() {
        String::new()
    } else {
        format!("{key}: ")
    }
}

/// A position in the text, both counted from 1; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// The position of byte `offset` of `text` (clamped to the text, and to a char boundary).
    pub fn of(text: &str, offset: usize) -> Location {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
        Location {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A key's path from the top of the file, as it is written in messages:
/// `sites[2].feeds[3].history`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct KeyPath(Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

impl KeyPath {
    /// The whole file.
    pub fn root() -> KeyPath {
        KeyPath::default()
    }

    /// This path's key `name` (a table's entry).
    pub fn key(&self, name: &str) -> KeyPath {
        self.with(Segment::Key(name.to_string()))
    }

    /// This path's element `index` (an array's, from 0).
    pub fn index(&self, index: usize) -> KeyPath {
        self.with(Segment::Index(index))
    }

    fn with(&self, segment: Segment) -> KeyPath {
        let mut segments = self.0.clone();
        segments.push(segment);
        KeyPath(segments)
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !key.is_empty()
                        && key
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                    if bare {
                        f.write_str(key)?;
                    } else {
                        write!(f, "{key:?}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A rule spanning keys that a parsed config breaks: the key to name, and why. The sections'
/// checks return it; [`crate::config::parse`] finds the key in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub key: KeyPath,
    pub message: String,
}

impl Violation {
    pub fn new(key: KeyPath, message: impl Into<String>) -> Violation {
        Violation {
            key,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_read_like_toml() {
        let p = KeyPath::root().key("sites").index(2).key("feeds").index(3);
        assert_eq!(p.key("history").to_string(), "sites[2].feeds[3].history");
        assert_eq!(KeyPath::root().to_string(), "");
        assert_eq!(
            KeyPath::root().key("a b").key("").to_string(),
            "\"a b\".\"\""
        );
    }

    #[test]
    fn locations_count_lines_and_characters_from_one() {
        let text = "a = 1\nb = \"é\" x\n";
        assert_eq!(Location::of(text, 0), Location { line: 1, column: 1 });
        assert_eq!(Location::of(text, 6), Location { line: 2, column: 1 });
        // After the two-byte é: the 9th character of the line.
        let x = text.find('x').unwrap();
        assert_eq!(Location::of(text, x), Location { line: 2, column: 9 });
        assert_eq!(Location::of(text, 1000), Location { line: 3, column: 1 });
    }

    #[test]
    fn the_message_names_file_position_and_key() {
        let e = ConfigError::Invalid {
            origin: "/etc/newsdesk/newsdesk.toml".into(),
            key: KeyPath::root()
                .key("sites")
                .index(2)
                .key("feeds")
                .index(3)
                .key("history"),
            at: Some(Location {
                line: 14,
                column: 11,
            }),
            message: "must be at least 1".into(),
        };
        assert_eq!(
            e.to_string(),
            "config /etc/newsdesk/newsdesk.toml:14:11: sites[2].feeds[3].history: must be at least 1"
        );
        let e = ConfigError::Invalid {
            origin: "t.toml".into(),
            key: KeyPath::root(),
            at: None,
            message: "no".into(),
        };
        assert_eq!(e.to_string(), "config t.toml: no");
    }
}
