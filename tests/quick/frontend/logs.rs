//! What the frontend logs about the bucket: the sites it finds when they change, and a warning
//! naming the store while there is nothing to serve, not one per poll.

use std::sync::Mutex;

use super::*;
use newsdesk::store::Role;

/// Everything logged on this thread (the test's runtime is single-threaded) while alive.
///
/// One global subscriber writes each event to the capture of the thread that logged it. A
/// subscriber per test (`set_default`) loses events now and then: a callsite first hit on
/// another test's thread while the test's subscriber is being registered keeps an interest of
/// "never" for the whole process.
struct Logs {
    text: Arc<Mutex<Vec<u8>>>,
}

thread_local! {
    static CAPTURE: std::cell::RefCell<Option<Arc<Mutex<Vec<u8>>>>> =
        const { std::cell::RefCell::new(None) };
}

impl Logs {
    fn capture() -> Logs {
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::INFO)
                .with_ansi(false)
                .with_writer(|| Sink(CAPTURE.with(|c| c.borrow().clone())))
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
        });
        let text = Arc::new(Mutex::new(Vec::new()));
        CAPTURE.with(|c| *c.borrow_mut() = Some(text.clone()));
        Logs { text }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.text.lock().unwrap()).into_owned()
    }
}

impl Drop for Logs {
    fn drop(&mut self) {
        CAPTURE.with(|c| *c.borrow_mut() = None);
    }
}

/// The capture of the logging thread, if it has one.
struct Sink(Option<Arc<Mutex<Vec<u8>>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(text) = &self.0 {
            text.lock().unwrap().extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn an_empty_bucket_is_warned_about_once_naming_the_store_then_the_sites_are_listed_once() {
    let logs = Logs::capture();
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let app = App::new(store.clone(), Options::default());
    for _ in 0..3 {
        app.live.refresh().await.unwrap();
    }
    let text = logs.text();
    let warnings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("no sites in the bucket"))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning for three polls:\n{text}");
    assert!(warnings[0].contains("store=memory://"), "{}", warnings[0]);

    let _s = published(&store).await;
    app.live.refresh().await.unwrap();
    app.live.refresh().await.unwrap();
    let text = logs.text();
    let found: Vec<&str> = text.lines().filter(|l| l.contains("sites found")).collect();
    assert_eq!(
        found.len(),
        1,
        "logged when the set changes, not per poll:\n{text}"
    );
    for site in [
        "test [test.example] generation 1",
        "other [other.example] generation 1",
    ] {
        assert!(found[0].contains(site), "{site:?} missing: {}", found[0]);
    }
}

#[tokio::test]
async fn a_broken_site_is_warned_about_when_it_breaks_not_on_every_poll() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let logs = Logs::capture();
    store
        .put(
            &newsdesk::store::Key::Manifest("other".into()),
            "not json".into(),
        )
        .await
        .unwrap();
    for _ in 0..3 {
        assert!(app.live.refresh().await.is_err());
    }
    let text = logs.text();
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(
        warnings[0].contains("site=other") && warnings[0].contains("serving its last good"),
        "{}",
        warnings[0]
    );
}
