//! A site on real parts: a config for the `test` site (Host `test.example`) on loopback feeds,
//! synced into a store, and a frontend that has read it.

use std::net::SocketAddr;
use std::sync::Arc;

use newsdesk::config::Config;
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::{self, App, Options};
use newsdesk::store::{Role, Store};

use super::feeds::{Behavior, FeedServer, generated};
use super::http::get;

/// A config with one site listing `feeds` (URLs), loopback allowed.
pub fn config_for(feeds: &[String]) -> Config {
    newsdesk::config::parse(&config_toml(feeds), "test").unwrap()
}

/// The TOML text of [`config_for`], for tests that run the binaries.
pub fn config_toml(feeds: &[String]) -> String {
    let mut toml = String::from(
        "[fetch]\nallow_private_networks = true\ntimeout_secs = 3\nconnect_timeout_secs = 2\n\n\
         [[sites]]\nname = \"test\"\ntitle = \"Test Report\"\nhosts = [\"test.example\"]\n",
    );
    for f in feeds {
        toml.push_str(&format!("\n[[sites.feeds]]\nurl = \"{f}\"\n"));
    }
    toml
}

/// An in-memory store, as the fetcher opens it.
pub fn memory_store() -> Store {
    Store::open("memory://", Role::Fetcher).unwrap()
}

/// A sync that fetches every feed, due or not.
pub fn force() -> SyncOptions {
    SyncOptions {
        force: true,
        ..Default::default()
    }
}

/// The `test` site with `n` generated feeds of `entries` entries (sources `src0`..), synced
/// into `store`; the server must live as long as the test fetches from it.
pub async fn published(store: &Store, n: usize, entries: usize) -> (FeedServer, Config) {
    let (server, urls) = generated("src", n, entries).await;
    let config = config_for(&urls);
    sync(&config, store, &SyncOptions::default()).await.unwrap();
    (server, config)
}

/// A frontend on `store` that has read the bucket once.
pub async fn app_on(store: &Store, options: Options) -> Arc<App> {
    let app = App::new(store.clone(), options);
    app.live.refresh().await.unwrap();
    app
}

/// The published `/api/headlines` of the `test` site, through the real frontend router.
pub async fn api_headlines(store: &Store) -> serde_json::Value {
    let app = app_on(store, Options::default()).await;
    let reply = get(&app, "/api/headlines", &[]).await;
    assert_eq!(reply.status, 200);
    reply.json()
}

/// Runs the real serving loop on a loopback port; dropping the sender stops it.
pub async fn spawn_server(app: Arc<App>) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(frontend::serve(app, listener, async move {
        let _ = rx.await;
    }));
    (addr, tx)
}

/// A synced site of `feeds` (path → RSS body) with a public URL (`https://news.example`) and a
/// title to escape, on a loopback server, and a frontend for it: the site's own feeds, sitemap
/// and pages are checked on it.
pub async fn public_site(feeds: Vec<(String, Vec<u8>)>) -> (FeedServer, Arc<App>) {
    let server = FeedServer::start().await;
    let mut toml = String::from(
        "[fetch]\nallow_private_networks = true\ntimeout_secs = 3\nconnect_timeout_secs = 2\n\n\
         [[sites]]\nname = \"test\"\ntitle = \"Test & Report\"\nhosts = [\"test.example\"]\n\
         url = \"https://news.example\"\n",
    );
    for (path, body) in feeds {
        server.set(
            &path,
            Behavior::Feed {
                body,
                content_type: "application/rss+xml",
                etag: None,
            },
        );
        toml.push_str(&format!(
            "\n[[sites.feeds]]\nurl = \"{}\"\n",
            server.url(&path)
        ));
    }
    let store = synced(&toml).await;
    (server, app_on(&store, Options::default()).await)
}

/// `toml` parsed and synced by the real fetcher into a memory store.
pub async fn synced(toml: &str) -> Store {
    let config = newsdesk::config::parse(toml, "test").unwrap();
    let store = memory_store();
    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    store
}

/// The site [`synced`] from `toml`, served by a frontend on loopback: its URL
/// (`http://ADDR/`) and the handle that stops the server when dropped.
pub async fn serve_config(toml: &str) -> (String, tokio::sync::oneshot::Sender<()>) {
    let store = synced(toml).await;
    let (addr, stop) = spawn_server(app_on(&store, Options::default()).await).await;
    (format!("http://{addr}/"), stop)
}

/// The source ids of the `test` site, in the site's order.
pub fn source_ids(app: &Arc<App>) -> Vec<String> {
    let snapshot = app.live.snapshot();
    let site = snapshot
        .site_for_host(Some("test.example"))
        .and_then(|s| s.live.clone())
        .unwrap();
    site.fragments.iter().map(|f| f.id.clone()).collect()
}
