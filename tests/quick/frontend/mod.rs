//! The frontend on real parts: a loopback feed server, a real sync into a store, then the
//! router driven in-process (`oneshot`) or over a loopback socket.

mod connections;
mod hostile;
mod isolation;
mod layouts;
mod logs;
mod resilience;
mod serving;
mod time_travel;

use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::{self, App, Options};
use newsdesk::store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{
    Behavior, FeedServer, Reply, app_on, config_toml, generated, generated_rss, get, get_on,
    source_ids, spawn_server,
};

const SOURCES: usize = 4;

async fn send(app: &Arc<App>, req: Request<Body>) -> Reply {
    crate::support::send(frontend::router(app.clone()), req).await
}

/// The text of a page's `<title>`.
fn title(r: &Reply) -> String {
    r.text()
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split('<').next())
        .unwrap_or_default()
        .to_string()
}

/// The `test` site on `urls`, and the `other` site on the first of them.
fn config(urls: &[String]) -> newsdesk::config::Config {
    let mut toml = config_toml(urls);
    toml.push_str(
        "\n[[sites]]\nname = \"other\"\ntitle = \"Other Report\"\nhosts = [\"other.example\"]\n",
    );
    toml.push_str(&format!("\n[[sites.feeds]]\nurl = \"{}\"\n", urls[0]));
    newsdesk::config::parse(&toml, "test").unwrap()
}

/// A feed server with `SOURCES` generated feeds named `src0..`, published into `store`.
async fn published(store: &Store) -> (FeedServer, newsdesk::config::Config) {
    let (server, urls) = generated("src", SOURCES, 12).await;
    let config = config(&urls);
    sync(&config, store, &SyncOptions::default()).await.unwrap();
    (server, config)
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    brotli::BrotliDecompress(&mut &b[..], &mut out).unwrap();
    out
}

/// Where each source's box starts in a page, `None` if it is not there.
fn positions(html: &str) -> Vec<Option<usize>> {
    (0..SOURCES)
        .map(|i| html.find(&format!("src{i} story number 0 ")))
        .collect()
}

async fn post_config(app: &Arc<App>, form: &str, extra: &[(&str, &str)]) -> Reply {
    let mut req = Request::post("/config")
        .header(header::HOST, "test.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    send(app, req.body(Body::from(form.to_string())).unwrap()).await
}

async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before reading all of an oversized request.
    let _ = s.write_all(request).await;
    let mut out = vec![];
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn status_of(resp: &str) -> u16 {
    resp.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
