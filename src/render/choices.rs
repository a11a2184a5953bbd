//! What a reader may choose for the page's look: themes, fonts, underlined links. The lists
//! live here once: the page's theme button, the `/config` form and the frontend's cookie
//! all read them, and `assets/style.css` has a block per theme (checked by the contrast test).
//!
//! The default page carries no choice (the theme follows `prefers-color-scheme`), so its
//! cached bytes are the same for everyone; a reader's choice becomes attributes on `<html>`
//! ([`Prefs::html_attrs`]) in the pages the frontend assembles for that reader.

use std::borrow::Cow;

/// Themes as (id, label); the first is the default, which follows the system setting.
pub const THEMES: &[(&str, &str)] = &[
    ("auto", "Automatic (light or dark, as your system)"),
    ("light", "Light"),
    ("dark", "Dark"),
    ("sepia", "Sepia"),
    ("contrast", "High contrast"),
];

/// Fonts as (id, label); the first is the default.
pub const FONTS: &[(&str, &str)] = &[
    ("sans", "Sans-serif"),
    ("serif", "Serif"),
    ("mono", "Monospace"),
    ("large", "Large print"),
];

/// The opening tag of every page, where a reader's choice is written.
pub const HTML_OPEN: &str = "<html lang=\"en\">";

/// A reader's choice, as indices into [`THEMES`] and [`FONTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Prefs {
    pub theme: u8,
    pub font: u8,
    pub underline: bool,
}

fn index_of(list: &[(&str, &str)], id: &str) -> Option<u8> {
    list.iter()
        .position(|(x, _)| *x == id)
        .and_then(|i| u8::try_from(i).ok())
}

impl Prefs {
    /// A choice from ids; an unknown id keeps that part's default.
    pub fn from_ids(theme: &str, font: &str, underline: bool) -> Prefs {
        Prefs {
            theme: index_of(THEMES, theme).unwrap_or(0),
            font: index_of(FONTS, font).unwrap_or(0),
            underline,
        }
    }

    pub fn theme_id(&self) -> &'static str {
        THEMES[usize::from(self.theme) % THEMES.len()].0
    }

    pub fn font_id(&self) -> &'static str {
        FONTS[usize::from(self.font) % FONTS.len()].0
    }

    pub fn is_default(&self) -> bool {
        *self == Prefs::default()
    }

    /// `theme.font.u|n`, the form the cookie and `app.js` share.
    pub fn encode(&self) -> String {
        let u = if self.underline { "u" } else { "n" };
        format!("{}.{}.{u}", self.theme_id(), self.font_id())
    }

    /// Reads [`encode`](Self::encode)'s form; unknown parts keep their defaults (a theme
    /// removed in a later version must not lose the reader's other choices).
    pub fn decode(value: &str) -> Option<Prefs> {
        if value.is_empty() || value.len() > 64 {
            return None;
        }
        let mut parts = value.split('.');
        let theme = parts.next().unwrap_or("");
        let font = parts.next().unwrap_or("");
        let underline = parts.next() == Some("u");
        Some(Prefs::from_ids(theme, font, underline))
    }

    /// The attributes this choice adds to `<html>`, each with a leading space.
    pub fn html_attrs(&self) -> String {
        let mut out = String::new();
        if self.theme != 0 {
            out.push_str(&format!(" data-theme=\"{}\"", self.theme_id()));
        }
        if self.font != 0 {
            out.push_str(&format!(" data-font=\"{}\"", self.font_id()));
        }
        if self.underline {
            out.push_str(" data-underline=\"\"");
        }
        out
    }

    /// `page` (which starts with [`HTML_OPEN`]) with this choice on its `<html>` element.
    pub fn apply<'a>(&self, page: &'a str) -> Cow<'a, str> {
        if self.is_default() {
            return Cow::Borrowed(page);
        }
        match page.split_once(HTML_OPEN) {
            Some((before, after)) => Cow::Owned(format!(
                "{before}<html lang=\"en\"{}>{after}",
                self.html_attrs()
            )),
            None => Cow::Borrowed(page),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_round_trip_and_unknown_parts_fall_back() {
        let p = Prefs::from_ids("sepia", "serif", true);
        assert_eq!(p.encode(), "sepia.serif.u");
        assert_eq!(Prefs::decode(&p.encode()), Some(p));
        assert_eq!(
            Prefs::decode("neon.mono.n"),
            Some(Prefs::from_ids("auto", "mono", false))
        );
        assert_eq!(Prefs::decode(""), None);
        assert!(Prefs::decode("auto.sans.n").unwrap().is_default());
    }

    #[test]
    fn choices_become_html_attributes() {
        let page = "<!doctype html>\n<html lang=\"en\">\n<head>";
        assert_eq!(Prefs::default().apply(page), page);
        assert_eq!(
            Prefs::from_ids("dark", "large", true).apply(page),
            "<!doctype html>\n<html lang=\"en\" data-theme=\"dark\" data-font=\"large\" data-underline=\"\">\n<head>"
        );
    }
}
