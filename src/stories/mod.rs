//! Entries telling the same story, across a site's sources: links compared after
//! normalizing ([`normalize_link`]), titles as word sets and their likeness ([`tokens`]), and
//! the grouping of entries into stories ([`group`]). Pure and deterministic: the headline
//! picker ranks the stories it finds, the renderer shows each story once.

mod group;
pub mod tokens;

pub use group::group;

/// A link as compared with others: parsed (lowercase scheme and host, default port dropped)
/// and without its fragment, which names a place on the same page.
pub fn normalize_link(link: &str) -> String {
    match url::Url::parse(link.trim()) {
        Ok(mut url) => {
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => link.trim().to_string(),
    }
}
