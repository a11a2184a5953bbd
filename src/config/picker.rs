//! The `[sites.headlines]` table: when a site's headline block is picked automatically and how.
//!
//! Single-key rules live in the deserializers (so toml reports the key and its line); the one
//! rule spanning keys (`picker = "llm"` needs `[sites.headlines.llm]`) is in
//! [`HeadlinesConfig::check`], which names the key; `crate::config` locates it in the text.

use std::num::NonZeroU64;

use serde::{Deserialize, Deserializer};

use crate::config::error::{KeyPath, Violation};
use crate::config::{CronSchedule, HttpUrl};

/// When no `schedule` is given: three times a day, like LinuxReport (UTC).
pub const DEFAULT_SCHEDULE: &str = "0 0 6,12,18 * * *";
/// When no `timeout_secs` is given for the model.
pub const DEFAULT_LLM_TIMEOUT_SECS: u64 = 20;

/// `[sites.headlines]`: present means the headline block is picked on `schedule`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadlinesConfig {
    /// Cron, in UTC, seconds first (6 or 7 fields).
    #[serde(default = "default_schedule")]
    pub schedule: CronSchedule,
    #[serde(default)]
    pub picker: PickerKind,
    /// Who reads the site, in a sentence: given to the model so it picks for them.
    #[serde(default, deserialize_with = "optional_text")]
    pub audience: Option<String>,
    pub llm: Option<LlmConfig>,
}

fn default_schedule() -> CronSchedule {
    CronSchedule::parse(DEFAULT_SCHEDULE).expect("valid default schedule")
}

/// Which picker chooses the headlines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PickerKind {
    /// Offline: stories covered by the most sources, recent, not picked before.
    #[default]
    Similar,
    /// An OpenAI-compatible chat-completions endpoint; the similar picker is the fallback.
    Llm,
}

/// `[sites.headlines.llm]`: an OpenAI-compatible chat-completions endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// `https://api.openai.com/v1`, `http://127.0.0.1:11434` or a full `.../chat/completions`
    /// URL (see [`crate::picker::llm::endpoint`]).
    pub base_url: HttpUrl,
    #[serde(deserialize_with = "required_text")]
    pub model: String,
    /// The environment variable holding the API key, sent as `Authorization: Bearer`; none
    /// for local servers that need no key.
    #[serde(default, deserialize_with = "optional_env_name")]
    pub api_key_env: Option<String>,
    /// Connect plus answer, whole request.
    #[serde(default = "default_llm_timeout")]
    pub timeout_secs: NonZeroU64,
}

fn default_llm_timeout() -> NonZeroU64 {
    NonZeroU64::new(DEFAULT_LLM_TIMEOUT_SECS).expect("non-zero default")
}

impl HeadlinesConfig {
    /// Rules spanning several keys; `at` is this table's path (`sites[i].headlines`).
    pub fn check(&self, at: &KeyPath) -> Result<(), Violation> {
        if self.picker == PickerKind::Llm && self.llm.is_none() {
            return Err(Violation::new(
                at.key("picker"),
                "`picker = \"llm\"` needs a [sites.headlines.llm] table with base_url and model",
            ));
        }
        Ok(())
    }
}

fn required_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        return Err(serde::de::Error::custom("must not be empty"));
    }
    Ok(s.trim().to_string())
}

fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty()))
}

/// An environment variable name: letters, digits and `_`, not starting with a digit. Refusing
/// anything else catches a key pasted where its variable's name belongs.
fn optional_env_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    let ok = !s.is_empty()
        && s.len() <= 128
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(Some(s))
    } else {
        Err(serde::de::Error::custom(
            "must be the NAME of an environment variable (letters, digits, _), not the key itself",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<HeadlinesConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn an_empty_table_picks_offline_three_times_a_day() {
        let c = parse("").unwrap();
        assert_eq!(c.picker, PickerKind::Similar);
        assert_eq!(c.schedule.0.to_string(), DEFAULT_SCHEDULE);
        assert!(c.audience.is_none() && c.llm.is_none());
        assert!(c.check(&KeyPath::root()).is_ok());
    }

    #[test]
    fn the_llm_table_is_read_with_defaults() {
        let c = parse(
            "picker = \"llm\"\naudience = \" Linux admins \"\n[llm]\nbase_url = \"http://127.0.0.1:11434\"\nmodel = \"llama3\"\n",
        )
        .unwrap();
        let llm = c.llm.as_ref().unwrap();
        assert_eq!(c.audience.as_deref(), Some("Linux admins"));
        assert_eq!(llm.timeout_secs.get(), DEFAULT_LLM_TIMEOUT_SECS);
        assert!(llm.api_key_env.is_none());
        assert!(c.check(&KeyPath::root()).is_ok());
    }

    #[test]
    fn llm_without_its_table_is_refused_at_picker() {
        let at = KeyPath::root().key("sites").index(1).key("headlines");
        let e = parse("picker = \"llm\"\n").unwrap().check(&at).unwrap_err();
        assert_eq!(e.key.to_string(), "sites[1].headlines.picker");
        assert!(e.message.contains("[sites.headlines.llm]"), "{}", e.message);
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("picker = \"gpt\"\n", "picker"),
            ("schedule = \"0 6 * * *\"\n", "schedule"),
            ("pickr = \"llm\"\n", "pickr"),
            (
                "[llm]\nbase_url = \"ftp://x.example\"\nmodel = \"m\"\n",
                "base_url",
            ),
            (
                "[llm]\nbase_url = \"http://x.example\"\nmodel = \" \"\n",
                "model",
            ),
            (
                "[llm]\nbase_url = \"http://x.example\"\nmodel = \"m\"\ntimeout_secs = 0\n",
                "timeout_secs",
            ),
            (
                "[llm]\nbase_url = \"http://x.example\"\nmodel = \"m\"\napi_key_env = \"sk-abc123\"\n",
                "api_key_env",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(key), "{text}: {e}");
        }
    }
}
