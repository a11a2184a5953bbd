//! The frontend on real parts: a loopback feed server, a real sync into a store, then the
//! router driven in-process (`oneshot`) or over a loopback socket.

#[path = "../common/mod.rs"]
mod common;
mod connections;
mod hostile;
mod isolation;
mod layouts;
mod logs;
mod resilience;
mod serving;

use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Behavior, FeedServer, Reply, generated_rss};
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::{self, App, Options};
use newsdesk::store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SOURCES: usize = 4;

async fn send(app: &Arc<App>, req: Request<Body>) -> Reply {
    common::send(frontend::router(app.clone()), req).await
}

async fn get(app: &Arc<App>, path: &str, headers: &[(&str, &str)]) -> Reply {
    get_on(app, "test.example", path, headers).await
}

async fn get_on(app: &Arc<App>, host: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::get(path).header(header::HOST, host);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    send(app, req.body(Body::empty()).unwrap()).await
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

fn config(urls: &[String]) -> newsdesk::config::Config {
    let mut toml = String::from(
        "[fetch]\nallow_private_networks = true\ntimeout_secs = 3\nconnect_timeout_secs = 2\n\n\
         [[sites]]\nname = \"test\"\ntitle = \"Test Report\"\nhosts = [\"test.example\"]\n",
    );
    for u in urls {
        toml.push_str(&format!("\n[[sites.feeds]]\nurl = \"{u}\"\n"));
    }
    toml.push_str(
        "\n[[sites]]\nname = \"other\"\ntitle = \"Other Report\"\nhosts = [\"other.example\"]\n",
    );
    toml.push_str(&format!("\n[[sites.feeds]]\nurl = \"{}\"\n", urls[0]));
    newsdesk::config::parse(&toml, "test").unwrap()
}

/// A feed server with `SOURCES` generated feeds named `src0..`, published into `store`.
async fn published(store: &Store) -> (FeedServer, newsdesk::config::Config) {
    let server = FeedServer::start().await;
    let urls: Vec<String> = (0..SOURCES)
        .map(|i| {
            let path = format!("/f{i}.xml");
            server.set(
                &path,
                Behavior::Feed {
                    body: generated_rss(&format!("src{i}"), 12),
                    content_type: "application/xml",
                    etag: None,
                },
            );
            server.url(&path)
        })
        .collect();
    let config = config(&urls);
    sync(&config, store, &SyncOptions::default()).await.unwrap();
    (server, config)
}

async fn app_on(store: &Store, options: Options) -> Arc<App> {
    let app = App::new(store.clone(), options);
    app.live.refresh().await.unwrap();
    app
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

/// The source ids of the test site, in the site's order.
fn source_ids(app: &Arc<App>) -> Vec<String> {
    let snapshot = app.live.snapshot();
    let site = snapshot
        .site_for_host(Some("test.example"))
        .and_then(|s| s.live.clone())
        .unwrap();
    site.fragments.iter().map(|f| f.id.clone()).collect()
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

/// Runs the real server on a loopback port; dropping the sender stops it.
async fn spawn_server(app: Arc<App>) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(frontend::serve(app, listener, async move {
        let _ = rx.await;
    }));
    (addr, tx)
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
