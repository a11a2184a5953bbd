//! `newsdesk-fetcher headlines ...`: the headline files in a terminal, with the same checks and
//! the same concurrent-save detection as the web editor.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use clap::{Subcommand, ValueEnum};

use crate::headlines::archive::{self, Archive, Entry};
use crate::headlines::version::random_hex;
use crate::headlines::{AdminIndex, Block, HeadlinesError, InputError, Saved, blocks};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The site whose headline files to read or change.
    #[arg(long, global = true)]
    site: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the current block (or an older version): its HTML, or its headlines as JSON.
    Show {
        /// A version from `history` [default: the current one].
        #[arg(long = "version", value_name = "VERSION")]
        at: Option<String>,
    },
    /// Save a new block read from a file, or `-` for stdin.
    Set {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// `html` (sanitized) or `items`: up to three headlines as JSON,
        /// `[{"title": "...", "url": "https://...", "image": "https://..."}]`.
        #[arg(long, value_enum, default_value_t = Format::Html)]
        format: Format,
    },
    /// Open the current block in $EDITOR (default vi) and save it if it changed.
    Edit,
    /// List every version of the block, newest first: time, author, size.
    History,
    /// Save an older version's content again as the current block.
    Restore {
        #[arg(long = "version", value_name = "VERSION")]
        at: String,
    },
    /// The headline archive that /old_headlines shows.
    #[command(subcommand)]
    Archive(ArchiveCommand),
}

#[derive(Debug, Subcommand)]
enum ArchiveCommand {
    /// Every archived headline, newest first.
    List,
    /// Archive a headline.
    Add {
        #[arg(long)]
        title: String,
        #[arg(long)]
        url: String,
        #[arg(long)]
        image: Option<String>,
        /// When it was a headline (RFC 3339) [default: now].
        #[arg(long)]
        when: Option<DateTime<Utc>>,
    },
    /// Take a headline out (recorded as a deletion; nothing is erased from the bucket).
    Delete {
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Html,
    Items,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Headlines(#[from] HeadlinesError),
    #[error("--site NAME is required")]
    NoSite,
    #[error("no site named {site:?} in the bucket's site index or the config (known: {known})")]
    UnknownSite { site: String, known: String },
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Editor(String),
}

impl From<InputError> for CliError {
    fn from(e: InputError) -> Self {
        CliError::Headlines(e.into())
    }
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        CliError::Headlines(e.into())
    }
}

/// How a command ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    Ok,
    /// Saved, but another version is current (another admin saved at the same time).
    NotCurrent,
}

/// Who the CLI saves as: `cli:$USER`.
fn author() -> String {
    let user = std::env::var("USER").unwrap_or_default();
    let user: String = user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(32)
        .collect();
    if user.is_empty() {
        "cli".into()
    } else {
        format!("cli:{user}")
    }
}

/// Runs a `headlines` command. `config_sites` are the sites of `--config`, if one was given
/// (a site may be edited before its first publish).
pub async fn run(
    args: Args,
    store: &Store,
    config_sites: &[String],
    out: &mut impl Write,
) -> Result<Done, CliError> {
    let site = args.site.ok_or(CliError::NoSite)?;
    check_site(store, &site, config_sites).await?;
    let io = |e: std::io::Error| CliError::Io(e.to_string());
    let now = Utc::now();
    match args.command {
        Command::Show { at } => {
            let doc = match &at {
                Some(v) => blocks::get(store, &site, v).await?.ok_or_else(|| {
                    HeadlinesError::NoVersion {
                        site: site.clone(),
                        version: v.clone(),
                    }
                })?,
                None => match blocks::current(store, &site).await? {
                    Some(d) => d,
                    None => {
                        eprintln!("site {site} has no headline block yet");
                        return Ok(Done::Ok);
                    }
                },
            };
            write!(out, "{}", doc.block.source()).map_err(io)?;
        }
        Command::Set { file, format } => {
            let text = read_input(&file)?;
            let block = parse(&text, format)?;
            let base = AdminIndex::read(store)
                .await?
                .0
                .block(&site)
                .map(str::to_string);
            let saved =
                blocks::save(store, &site, block, &author(), base.as_deref(), None, now).await?;
            return report(&saved, &site, out);
        }
        Command::Edit => return edit(store, &site, out).await,
        Command::History => {
            let (entries, total) = blocks::history(store, &site, 0, usize::MAX).await?;
            writeln!(
                out,
                "{total} versions of site {site}'s headline block, newest first (* = current):"
            )
            .map_err(io)?;
            for e in entries {
                writeln!(
                    out,
                    "{} {}  {}  {:<16} {:>7} bytes{}",
                    if e.current { '*' } else { ' ' },
                    e.version,
                    e.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    e.author,
                    e.size,
                    e.restored_from
                        .map(|r| format!("  (restores {r})"))
                        .unwrap_or_default()
                )
                .map_err(io)?;
            }
        }
        Command::Restore { at } => {
            let base = AdminIndex::read(store)
                .await?
                .0
                .block(&site)
                .map(str::to_string);
            let saved = blocks::restore(store, &site, &at, &author(), base.as_deref(), now).await?;
            return report(&saved, &site, out);
        }
        Command::Archive(cmd) => archive_command(store, &site, cmd, now, out).await?,
    }
    Ok(Done::Ok)
}

async fn check_site(store: &Store, site: &str, config_sites: &[String]) -> Result<(), CliError> {
    let (index, _) = crate::store::publish::index::read(store).await?;
    let mut known: Vec<String> = index.sites.into_iter().map(|s| s.name).collect();
    known.extend(config_sites.iter().cloned());
    if known.iter().any(|k| k == site) {
        return Ok(());
    }
    known.sort();
    known.dedup();
    Err(CliError::UnknownSite {
        site: site.to_string(),
        known: if known.is_empty() {
            "none".into()
        } else {
            known.join(", ")
        },
    })
}

fn read_input(file: &Path) -> Result<String, CliError> {
    let bytes = if file == Path::new("-") {
        let mut buf = vec![];
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
            .map_err(|e| CliError::Io(format!("reading stdin: {e}")))?;
        buf
    } else {
        std::fs::read(file).map_err(|e| CliError::Io(format!("reading {}: {e}", file.display())))?
    };
    String::from_utf8(bytes)
        .map_err(|_| CliError::Io(format!("{} is not UTF-8 text", file.display())))
}

fn parse(text: &str, format: Format) -> Result<Block, InputError> {
    match format {
        Format::Html => Block::from_html(text),
        Format::Items => Block::from_json(text),
    }
}

fn report(saved: &Saved, site: &str, out: &mut impl Write) -> Result<Done, CliError> {
    if saved.is_current() {
        writeln!(
            out,
            "headlines: {}. Frontends show it within their poll interval (5 s by default); \
             `newsdesk-fetcher render --site {site}` puts it in the published pages now.",
            saved.message()
        )
        .map_err(|e| CliError::Io(e.to_string()))?;
        Ok(Done::Ok)
    } else {
        eprintln!(
            "newsdesk-fetcher: headlines: {} (`newsdesk-fetcher headlines restore --site {site} --version {}`)",
            saved.message(),
            saved.version
        );
        Ok(Done::NotCurrent)
    }
}

/// `edit`: the current block in a private temporary file, `$EDITOR` on it, and a save with the
/// version it was opened on as the base, so an edit saved meanwhile is noticed.
async fn edit(store: &Store, site: &str, out: &mut impl Write) -> Result<Done, CliError> {
    let current = blocks::current(store, site).await?;
    let (format, text) = match current.as_ref().map(|c| &c.block) {
        Some(b @ Block::Items { .. }) => (Format::Items, b.source()),
        Some(b) => (Format::Html, b.source()),
        None => (Format::Html, String::new()),
    };
    let ext = if format == Format::Items {
        "json"
    } else {
        "html"
    };
    let path = std::env::temp_dir().join(format!("newsdesk-headlines-{}.{ext}", random_hex(6)));
    write_private(&path, &text).map_err(|e| CliError::Io(format!("{}: {e}", path.display())))?;
    let editor = std::env::var("EDITOR")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".into());
    // Through the shell, so an EDITOR with arguments (`code --wait`) works as it does for git.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status();
    let edited = std::fs::read_to_string(&path);
    let kept = || format!("your text is kept in {}", path.display());
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            return Err(CliError::Editor(format!(
                "{editor} exited with {s}; nothing was saved; {}",
                kept()
            )));
        }
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            return Err(CliError::Editor(format!(
                "cannot run {editor}: {e}; nothing was saved"
            )));
        }
    }
    let edited = edited.map_err(|e| CliError::Io(format!("{}: {e}", path.display())))?;
    if edited == text {
        let _ = std::fs::remove_file(&path);
        writeln!(out, "headlines: no change; nothing saved")
            .map_err(|e| CliError::Io(e.to_string()))?;
        return Ok(Done::Ok);
    }
    let block = match parse(&edited, format) {
        Ok(b) => b,
        Err(e) => return Err(CliError::Editor(format!("{e}; {}", kept()))),
    };
    let base = current.as_ref().map(|c| c.version.as_str());
    let saved = blocks::save(store, site, block, &author(), base, None, Utc::now()).await;
    let saved = match saved {
        Ok(s) => s,
        Err(e) => return Err(CliError::Editor(format!("{e}; {}", kept()))),
    };
    let _ = std::fs::remove_file(&path);
    report(&saved, site, out)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

async fn archive_command(
    store: &Store,
    site: &str,
    cmd: ArchiveCommand,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::Io(e.to_string());
    match cmd {
        ArchiveCommand::List => {
            let archive = Archive::load(store, site).await?;
            writeln!(
                out,
                "{} archived headlines of site {site}, newest first:",
                archive.len()
            )
            .map_err(io)?;
            for e in archive.entries() {
                writeln!(
                    out,
                    "{}  {}  {}  {}",
                    e.id,
                    e.when.format("%Y-%m-%d %H:%M UTC"),
                    e.title,
                    e.url
                )
                .map_err(io)?;
            }
        }
        ArchiveCommand::Add {
            title,
            url,
            image,
            when,
        } => {
            let entry = Entry::new(&title, &url, image.as_deref(), when.unwrap_or(now))?;
            let id = entry.id.clone();
            archive::append(store, site, vec![entry], &author(), now).await?;
            writeln!(out, "headlines: archived as {id}; /old_headlines shows it within the frontends' poll interval").map_err(io)?;
        }
        ArchiveCommand::Delete { id } => {
            if Archive::load(store, site).await?.get(&id).is_none() {
                return Err(HeadlinesError::NoEntry {
                    site: site.to_string(),
                    id,
                }
                .into());
            }
            archive::delete(store, site, vec![id.clone()], &author(), now).await?;
            writeln!(
                out,
                "headlines: {id} deleted from the archive (recorded; the bucket keeps it)"
            )
            .map_err(io)?;
        }
    }
    Ok(())
}
