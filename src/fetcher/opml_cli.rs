//! `newsdesk-fetcher opml ...`: the config's feeds as OPML for feed readers, and a reader's
//! OPML export into a site. The OPML itself is [`super::opml`]'s; this reads and writes the
//! files and the bucket.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;

use super::opml::{self, ExportFeed, ExportSite};
use crate::config::{self, Config, SiteConfig};
use crate::model::{FeedContent, feed_id};
use crate::store::{Key, Store};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the feeds as OPML 2.0 to stdout: one outline per site, holding its feeds (the
    /// home page as last fetched, when the bucket has it).
    Export {
        /// Only this site.
        #[arg(long)]
        site: Option<String>,
    },
    /// Read the feeds of an OPML file (as feed readers export it, categories and all) for a
    /// site: print their [[sites.feeds]] tables to paste under it, or append them to the
    /// config with --write. Feeds with a bad URL, or already in the site, are left out with
    /// their line in the file.
    Import {
        /// The site to add the feeds to.
        #[arg(long)]
        site: String,
        /// The OPML file.
        #[arg(value_name = "FILE.opml")]
        file: PathBuf,
        /// Append the tables to the --config file, keeping its comments and layout.
        #[arg(long)]
        write: bool,
    },
}

/// Runs an `opml` command with the parsed `config`, read from `config_path` (`None`: the
/// embedded default, which `--write` cannot change). Output goes to `out`; each feed left
/// out is told to `warn`.
pub async fn run(
    args: Args,
    config: &Config,
    config_path: Option<&Path>,
    store: &Store,
    out: &mut dyn Write,
    warn: &dyn Fn(&str),
) -> anyhow::Result<()> {
    match args.command {
        Command::Export { site } => {
            let sites = select(config, site.as_deref())?;
            let text = export(&sites, store, chrono::Utc::now()).await?;
            out.write_all(text.as_bytes())?;
        }
        Command::Import { site, file, write } => {
            let [site] = select(config, Some(&site))?[..] else {
                unreachable!("one site selected")
            };
            let path = if write {
                Some(
                    config_path
                        .context("--write needs --config FILE: the file to add the feeds to")?,
                )
            } else {
                None
            };
            import(site, &file, path, out, warn)?;
        }
    }
    Ok(())
}

fn select<'a>(config: &'a Config, name: Option<&str>) -> anyhow::Result<Vec<&'a SiteConfig>> {
    let sites: Vec<&SiteConfig> = config
        .sites
        .iter()
        .filter(|s| name.is_none_or(|n| s.name.as_str() == n))
        .collect();
    if sites.is_empty() {
        bail!(
            "no site named {:?} in the config (its sites: {})",
            name.unwrap_or_default(),
            config
                .sites
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(sites)
}

/// OPML of `sites`; titles and home pages the config does not give come from the stored
/// feed content, when a sync has fetched the feed.
async fn export(
    sites: &[&SiteConfig],
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<String> {
    let mut out = Vec::with_capacity(sites.len());
    for site in sites {
        let stored = futures::future::try_join_all(site.feeds.iter().map(|f| async move {
            let key = Key::FeedContent(feed_id(f.url.as_str()));
            store.get_json::<FeedContent>(&key).await
        }))
        .await
        .with_context(|| format!("reading the stored feeds of site {}", site.name))?;
        let feeds = site
            .feeds
            .iter()
            .zip(stored)
            .map(|(f, content)| {
                let content = content.unwrap_or_else(|| FeedContent::empty(f.url.as_str()));
                ExportFeed {
                    title: f
                        .title
                        .clone()
                        .or(content.title)
                        .unwrap_or_else(|| f.url.as_str().to_string()),
                    url: f.url.as_str().to_string(),
                    html_url: f
                        .site_url
                        .as_ref()
                        .map(|u| u.as_str().to_string())
                        .or(content.site_url),
                    scraped: f.scrape.is_some(),
                }
            })
            .collect();
        out.push(ExportSite {
            title: site.title.clone(),
            feeds,
        });
    }
    Ok(opml::write(&out, now))
}

/// The feeds of the OPML `file` for `site`: printed as tables, or appended to the config at
/// `write_to`.
fn import(
    site: &SiteConfig,
    file: &Path,
    write_to: Option<&Path>,
    out: &mut dyn Write,
    warn: &dyn Fn(&str),
) -> anyhow::Result<()> {
    let shown = file.display();
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read OPML {shown}"))?;
    let found =
        opml::read(&text).map_err(|e| anyhow::anyhow!("{shown}:{}: {}", e.line, e.message))?;
    if found.is_empty() {
        bail!("{shown}: no feeds in it (no <outline> with an xmlUrl)");
    }
    let existing: Vec<&str> = site.feeds.iter().map(|f| f.url.as_str()).collect();
    let (add, refused) = opml::plan(found, &existing);
    for r in &refused {
        warn(&format!(
            "{shown}:{}: left out {:?}: {}",
            r.line, r.url, r.reason
        ));
    }
    if add.is_empty() {
        bail!(
            "{shown}: no feed to add to site {} ({} left out, see above)",
            site.name,
            refused.len()
        );
    }
    let Some(path) = write_to else {
        writeln!(
            out,
            "# {} from {shown} for site {:?}: paste under its [[sites]] table",
            feeds(add.len()),
            site.name.as_str()
        )?;
        out.write_all(opml::tables(&add).as_bytes())?;
        return Ok(());
    };
    let before = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config {}", path.display()))?;
    let after = opml::append(&before, site.name.as_str(), &add)
        .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was written", path.display()))?;
    // What is written must load: a config the next sync refuses is worse than none written.
    config::parse(&after, &path.display().to_string()).map_err(|e| {
        anyhow::anyhow!("the config with the new feeds would not load ({e}); nothing was written")
    })?;
    replace_file(path, &after)
        .with_context(|| format!("cannot write config {}", path.display()))?;
    writeln!(
        out,
        "opml import: added {} to site {} in {}{}",
        feeds(add.len()),
        site.name,
        path.display(),
        if refused.is_empty() {
            String::new()
        } else {
            format!(" ({} left out, see above)", refused.len())
        }
    )?;
    Ok(())
}

fn feeds(n: usize) -> String {
    format!("{n} feed{}", if n == 1 { "" } else { "s" })
}

/// Replaces the file at `path` (a symlink's target) whole: written beside it, then renamed
/// over it, with its permissions, so a reader never sees half a config.
fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = target.with_file_name(format!(".{name}.opml-import.tmp"));
    let written = std::fs::write(&tmp, text)
        .and_then(|()| std::fs::set_permissions(&tmp, std::fs::metadata(&target)?.permissions()))
        .and_then(|()| std::fs::rename(&tmp, &target));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::store::Role;

    const CONFIG: &str = r#"# Our sites. Keep this comment.
[[sites]]
name = "linux"
title = "Linux Report"

[[sites.feeds]]
url = "https://lwn.net/headlines/rss"   # the best
title = "LWN"

[[sites.feeds]]
url = "https://news.example/tech/"
[sites.feeds.scrape]
item = "article"
title = "h2 a"

# The Rust site.
[[sites]]
name = "rust"
title = "Rust Report"
"#;

    const OPML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <body>
    <outline text="Linux">
      <outline type="rss" text="LWN.net" xmlUrl="https://lwn.net/headlines/rss"/>
      <outline type="rss" text="Phoronix" title="Phoronix" xmlUrl="https://www.phoronix.com/rss.php" htmlUrl="https://www.phoronix.com/"/>
      <outline type="rss" text="Broken" xmlUrl="javascript:alert(1)"/>
    </outline>
  </body>
</opml>
"#;

    fn args(cmd: &[&str]) -> Args {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let argv = std::iter::once("opml").chain(cmd.iter().copied());
        <Cli as clap::Parser>::parse_from(argv).args
    }

    /// Runs a command; its stdout and warnings.
    async fn run_with(
        cmd: &[&str],
        config_path: Option<&Path>,
        store: &Store,
    ) -> (anyhow::Result<()>, String, Vec<String>) {
        let text = match config_path {
            Some(p) => std::fs::read_to_string(p).unwrap(),
            None => CONFIG.to_string(),
        };
        let config = config::parse(&text, "t").unwrap();
        let warnings = RefCell::new(vec![]);
        let mut out = vec![];
        let r = run(args(cmd), &config, config_path, store, &mut out, &|w| {
            warnings.borrow_mut().push(w.to_string())
        })
        .await;
        (r, String::from_utf8(out).unwrap(), warnings.into_inner())
    }

    fn memory() -> Store {
        Store::open("memory://", Role::Fetcher).unwrap()
    }

    #[tokio::test]
    async fn export_takes_home_pages_from_the_stored_feeds() {
        let store = memory();
        let mut lwn = FeedContent::empty("https://lwn.net/headlines/rss");
        lwn.site_url = Some("https://lwn.net/".into());
        lwn.title = Some("LWN.net (ignored: the config names it)".into());
        store
            .put(
                &Key::FeedContent(feed_id("https://lwn.net/headlines/rss")),
                serde_json::to_vec(&lwn).unwrap().into(),
            )
            .await
            .unwrap();
        let (r, out, _) = run_with(&["export", "--site", "linux"], None, &store).await;
        r.unwrap();
        assert!(
            out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"),
            "{out}"
        );
        assert!(
            out.contains("<outline text=\"Linux Report\" title=\"Linux Report\">"),
            "{out}"
        );
        assert!(
            out.contains("<outline type=\"rss\" text=\"LWN\" title=\"LWN\" xmlUrl=\"https://lwn.net/headlines/rss\" htmlUrl=\"https://lwn.net/\"/>"),
            "{out}"
        );
        assert!(
            out.contains("<outline type=\"link\" text=\"https://news.example/tech/\" title=\"https://news.example/tech/\" url=\"https://news.example/tech/\"/>"),
            "a scraped page is a link, not a feed: {out}"
        );
        assert!(!out.contains("Rust Report"));

        let (r, out, _) = run_with(&["export"], None, &store).await;
        r.unwrap();
        assert!(out.contains("Linux Report") && out.contains("Rust Report"));
        let (r, _, _) = run_with(&["export", "--site", "nope"], None, &store).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "no site named \"nope\" in the config (its sites: linux, rust)"
        );
    }

    #[tokio::test]
    async fn import_prints_tables_and_names_the_lines_it_leaves_out() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("feeds.opml");
        std::fs::write(&file, OPML).unwrap();
        let f = file.to_str().unwrap();
        let (r, out, warnings) = run_with(&["import", "--site", "linux", f], None, &memory()).await;
        r.unwrap();
        assert_eq!(
            out,
            format!(
                "# 1 feed from {f} for site \"linux\": paste under its [[sites]] table\n\
                 \n[[sites.feeds]]\nurl = \"https://www.phoronix.com/rss.php\"\ntitle = \"Phoronix\"\n"
            )
        );
        assert_eq!(
            warnings,
            [
                format!(
                    "{f}:5: left out \"https://lwn.net/headlines/rss\": already a feed of this site"
                ),
                format!(
                    "{f}:7: left out \"javascript:alert(1)\": \"javascript:alert(1)\" must be an http:// or https:// URL"
                ),
            ]
        );
        // Into the other site, LWN is new.
        let (r, out, _) = run_with(&["import", "--site", "rust", f], None, &memory()).await;
        r.unwrap();
        assert!(out.contains("lwn.net") && out.contains("phoronix"), "{out}");

        let (r, _, _) = run_with(
            &["import", "--site", "linux", "--write", f],
            None,
            &memory(),
        )
        .await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "--write needs --config FILE: the file to add the feeds to"
        );
        std::fs::write(&file, "<opml><body>\n<outline text=\"x\"></body></opml>").unwrap();
        let (r, _, _) = run_with(&["import", "--site", "linux", f], None, &memory()).await;
        let e = r.unwrap_err().to_string();
        assert!(e.starts_with(&format!("{f}:2: not well-formed XML")), "{e}");
    }

    #[tokio::test]
    async fn import_write_appends_under_the_site_keeping_comments() {
        let dir = tempfile::tempdir().unwrap();
        let (opml_file, config_file) = (
            dir.path().join("feeds.opml"),
            dir.path().join("newsdesk.toml"),
        );
        std::fs::write(&opml_file, OPML).unwrap();
        std::fs::write(&config_file, CONFIG).unwrap();
        let f = opml_file.to_str().unwrap();
        let (r, out, warnings) = run_with(
            &["import", "--site", "linux", "--write", f],
            Some(&config_file),
            &memory(),
        )
        .await;
        r.unwrap();
        assert_eq!(
            out,
            format!(
                "opml import: added 1 feed to site linux in {} (2 left out, see above)\n",
                config_file.display()
            )
        );
        assert_eq!(warnings.len(), 2);
        let written = std::fs::read_to_string(&config_file).unwrap();
        assert_eq!(
            written,
            CONFIG.replace(
                "title = \"h2 a\"\n",
                "title = \"h2 a\"\n\n[[sites.feeds]]\nurl = \"https://www.phoronix.com/rss.php\"\ntitle = \"Phoronix\"\n"
            ),
            "the new table follows the site's last one; every comment stays"
        );
        let config = config::from_file(&config_file).unwrap();
        assert_eq!(config.sites[0].feeds.len(), 3);
        assert!(
            config.sites[0].feeds[1].scrape.is_some(),
            "the scrape table stays with its feed"
        );
        assert!(config.sites[1].feeds.is_empty());
        assert!(!dir.path().join(".newsdesk.toml.opml-import.tmp").exists());

        // Again: everything is there now, nothing is written.
        let (r, _, warnings) = run_with(
            &["import", "--site", "linux", "--write", f],
            Some(&config_file),
            &memory(),
        )
        .await;
        assert!(
            r.unwrap_err()
                .to_string()
                .ends_with("no feed to add to site linux (3 left out, see above)")
        );
        assert_eq!(warnings.len(), 3);
        assert_eq!(std::fs::read_to_string(&config_file).unwrap(), written);
    }
}
