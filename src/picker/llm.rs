//! The model picker: asks an OpenAI-compatible chat-completions endpoint which of the top
//! stories to lead with, and maps its answer back to real stories.
//!
//! One request per scheduled pick, no retry, bounded in time and size. The answer is read by
//! [`super::answer`], which trusts it for nothing but a choice among the listed stories. Any
//! failure is an [`LlmError`]; the caller falls back to the default picker.

use std::time::Duration;

use bytes::BytesMut;
use serde_json::{Value, json};
use url::Url;

use super::answer::{LlmError, MAX_ANSWER_BYTES, one_line, parse_answer, snippet};
use super::similar::Story;
use crate::config::picker::LlmConfig;

/// Where requests go: `base_url` as given when it already ends in `/chat/completions`; with
/// `/chat/completions` added when it ends in `/v1` (how OpenAI's own clients spell base URLs);
/// else with `/v1/chat/completions` added. The query string is kept.
pub fn endpoint(base: &Url) -> Url {
    let path = base.path().trim_end_matches('/');
    if path.ends_with("/chat/completions") {
        return base.clone();
    }
    let suffix = if path.ends_with("/v1") {
        "/chat/completions"
    } else {
        "/v1/chat/completions"
    };
    let mut url = base.clone();
    url.set_path(&format!("{path}{suffix}"));
    url
}

/// The chat messages: the task and the readers in the system prompt, the numbered stories in
/// the user message.
pub fn request_body(
    model: &str,
    site_title: &str,
    audience: Option<&str>,
    stories: &[Story],
    max: usize,
) -> Value {
    let readers = audience
        .map(|a| format!(" Its readers: {}.", one_line(a).trim_end_matches('.')))
        .unwrap_or_default();
    let system = format!(
        "You choose the top headlines for the front page of {site}, a news site.{readers} \
         You get a numbered list of recent stories, each with the sources covering it. \
         Choose the {max} stories these readers most need to see: important, new to them, \
         covered by several sources where possible, no two about the same thing. \
         Answer with the numbers of your choices only, most important first, separated by \
         commas, for example: 4, 1, 9",
        site = one_line(site_title),
    );
    let mut user = String::from("Stories:\n");
    for (i, story) in stories.iter().enumerate() {
        let sources: Vec<&str> = story.sources.values().copied().collect();
        user.push_str(&format!(
            "{}. {} ({})\n",
            i + 1,
            one_line(&story.lead.title),
            one_line(&sources.join(", "))
        ));
    }
    json!({
        "model": model,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ],
    })
}

/// Asks the model; the indices (into `stories`) of its choices, at most `max`, best first.
pub async fn choose(
    cfg: &LlmConfig,
    env: &dyn Fn(&str) -> Option<String>,
    site_title: &str,
    audience: Option<&str>,
    stories: &[Story<'_>],
    max: usize,
) -> Result<Vec<usize>, LlmError> {
    let key = match &cfg.api_key_env {
        Some(var) => Some(
            env(var)
                .filter(|k| !k.trim().is_empty())
                .ok_or_else(|| LlmError::NoKey(var.clone()))?,
        ),
        None => None,
    };
    let timeout = Duration::from_secs(cfg.timeout_secs.get());
    let body = request_body(&cfg.model, site_title, audience, stories, max);
    let answer = post(
        &endpoint(cfg.base_url.url()),
        key.as_deref(),
        &body,
        timeout,
    )
    .await?;
    let titles: Vec<&str> = stories.iter().map(|s| s.lead.title.as_str()).collect();
    parse_answer(&answer, &titles, max)
}

/// One POST, bounded: no redirect (it would carry the key elsewhere), no retry, no proxy.
async fn post(
    url: &Url,
    key: Option<&str>,
    body: &Value,
    timeout: Duration,
) -> Result<Vec<u8>, LlmError> {
    let secs = timeout.as_secs();
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            LlmError::Timeout(secs)
        } else {
            LlmError::Network(e.without_url().to_string())
        }
    };
    let client = reqwest::Client::builder()
        .user_agent(concat!("newsdesk/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .no_proxy()
        .build()
        .map_err(|e| LlmError::Network(e.to_string()))?;
    let mut req = client
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string());
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    let mut resp = req.send().await.map_err(failed)?;
    let status = resp.status();
    let mut answer = BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(failed)? {
        if answer.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(LlmError::TooLarge);
        }
        answer.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        return Err(LlmError::Status {
            status: status.as_u16(),
            body: snippet(&String::from_utf8_lossy(&answer)),
        });
    }
    Ok(answer.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::picker::{Candidate, similar};

    #[test]
    fn the_endpoint_is_the_base_url_completed_as_documented() {
        for (base, url) in [
            (
                "http://127.0.0.1:11434",
                "http://127.0.0.1:11434/v1/chat/completions",
            ),
            (
                "https://api.openai.com/v1",
                "https://api.openai.com/v1/chat/completions",
            ),
            (
                "https://api.openai.com/v1/",
                "https://api.openai.com/v1/chat/completions",
            ),
            (
                "https://gw.example/openai/",
                "https://gw.example/openai/v1/chat/completions",
            ),
            (
                "https://x.example/deploy/chat/completions?api-version=2",
                "https://x.example/deploy/chat/completions?api-version=2",
            ),
            (
                "https://x.example/v1?api-version=2",
                "https://x.example/v1/chat/completions?api-version=2",
            ),
        ] {
            assert_eq!(endpoint(&Url::parse(base).unwrap()).as_str(), url, "{base}");
        }
    }

    #[test]
    fn the_request_lists_numbered_stories_for_the_audience() {
        let now: chrono::DateTime<chrono::Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let titles = [
            "Linux 6.18 released with Rust binder driver",
            "Firefox 146 adds vertical tabs for everyone",
            "OpenSSL fixes high-severity certificate parsing flaw",
            "Mesa 25.3 brings faster Vulkan shader compiles",
        ];
        let candidates: Vec<Candidate> = titles
            .iter()
            .enumerate()
            .map(|(i, t)| Candidate {
                title: t.to_string(),
                link: format!("https://s{i}.example/story"),
                source_id: format!("s{i}"),
                source_title: format!("Source {i}"),
                published: Some(now - chrono::Duration::hours(i as i64 + 1)),
                first_seen: now,
            })
            .collect();
        let stories = similar::rank(&candidates, &Default::default(), now, &Default::default());
        let body = request_body("m", "Linux\nReport", Some("Linux admins."), &stories, 3);
        assert_eq!(body["model"], "m");
        let system = body["messages"][0]["content"].as_str().unwrap();
        assert!(
            system.contains("Linux Report, a news site. Its readers: Linux admins."),
            "{system}"
        );
        assert!(system.contains("Choose the 3 stories"), "{system}");
        let user = body["messages"][1]["content"].as_str().unwrap();
        assert!(
            user.contains("\n1. Linux 6.18 released with Rust binder driver (Source 0)\n"),
            "{user}"
        );
        assert!(user.contains("\n4. Mesa 25.3"), "{user}");
    }
}
