//! Each story once, through the published site: five real-world-like sources
//! (tests/fixtures/stories/) cover three stories under other titles and links, with tracking
//! parameters and `www.` variants, beside decoys that share words but are other stories.
//! `/api/headlines` gives the entries of one story one id, `/feed.json` the same under
//! `_newsdesk`, `/rss` lists each story once, the page shows it once with the others marked.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{get, public_site};

fn fixture(dir: &str, names: &[&str]) -> Vec<(String, Vec<u8>)> {
    names
        .iter()
        .map(|n| {
            let path = format!("{}/{dir}/{n}.xml", env!("CARGO_MANIFEST_DIR"));
            (format!("/{n}.xml"), std::fs::read(path).unwrap())
        })
        .collect()
}

/// Story id -> the titles of its entries, from `/api/headlines`.
fn stories(api: &serde_json::Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in api["sources"].as_array().unwrap() {
        for e in s["entries"].as_array().unwrap() {
            out.entry(e["story"].as_str().unwrap().to_string())
                .or_default()
                .insert(e["title"].as_str().unwrap().to_string());
        }
    }
    out
}

#[tokio::test]
async fn sources_covering_one_story_show_it_once() {
    let names = ["lwn", "phoronix", "register", "omg", "links"];
    let (_server, app) = public_site(fixture("tests/fixtures/stories", &names)).await;
    let api = get(&app, "/api/headlines", &[]).await.json();
    let stories = stories(&api);
    let entries: usize = stories.values().map(BTreeSet::len).sum();
    assert_eq!(entries, 22);
    let mut shared: Vec<Vec<&str>> = stories
        .values()
        .filter(|t| t.len() > 1)
        .map(|t| t.iter().map(String::as_str).collect())
        .collect();
    shared.sort();
    assert_eq!(
        shared,
        [
            vec![
                "Firefox 146 Released With Vertical Tabs Enabled By Default",
                "Firefox 146 adds vertical tabs for everyone",
                "Vertical tabs now default in Firefox 146",
            ],
            vec![
                "High-severity OpenSSL vulnerability patched",
                "OpenSSL fixes high-severity flaw in certificate parsing",
            ],
            vec![
                "Linux 6.18 Released With Rust Binder Driver, New Scheduler Work",
                "Linux 6.18 is out",
                "Linux 6.18 released",
                "Torvalds ships Linux 6.18, says 6.19 will be a big one",
            ],
        ],
        "Mesa 25.2.8 / 25.3.1 and Debian 12.12 / 13.2 are other stories"
    );
    println!(
        "stories fixture: {entries} entries, {} stories, {} reports folded",
        stories.len(),
        entries - stories.len()
    );

    // The first report (LWN, 20:05) leads; the others name it.
    let entry = |source: usize, title: &str| -> serde_json::Value {
        api["sources"][source]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["title"].as_str().unwrap().starts_with(title))
            .unwrap()
            .clone()
    };
    let lwn = &entry(0, "Linux 6.18 released");
    assert!(lwn.get("first").is_none());
    let also: Vec<&str> = lwn["also"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["source_title"].as_str().unwrap())
        .collect();
    assert_eq!(also, ["Phoronix", "Link Roundup", "The Register"]);
    let register = &entry(2, "Torvalds ships Linux 6.18");
    assert_eq!(register["story"], lwn["story"]);
    assert_eq!(register["first"]["source_title"], "LWN.net");
    assert_eq!(
        register["first"]["link"],
        "https://lwn.net/Articles/1001234/?utm_source=rss&utm_medium=feed"
    );

    let feed = get(&app, "/feed.json", &[]).await.json();
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), stories.len(), "one item per story");
    let linux = items
        .iter()
        .find(|i| i["_newsdesk"]["story"] == lwn["story"])
        .unwrap();
    assert_eq!(linux["title"], "Linux 6.18 released");
    assert_eq!(linux["_newsdesk"]["reports"], 4);
    assert_eq!(linux["_newsdesk"]["also"].as_array().unwrap().len(), 3);

    let rss = get(&app, "/rss", &[]).await.text();
    assert_eq!(rss.matches("<item>").count(), stories.len());
    assert_eq!(rss.matches("Linux 6.18").count(), 1, "{rss}");

    let page = get(&app, "/", &[]).await.text();
    let id = lwn["story"].as_str().unwrap();
    assert_eq!(page.matches(&format!("id=\"story-{id}\"")).count(), 1);
    assert_eq!(page.matches(&format!("href=\"#story-{id}\"")).count(), 3);
    assert_eq!(
        page.matches("<li class=\"covered\">").count(),
        22 - stories.len()
    );
}

/// A reader layout that hides the first report's source still shows the other reports, and
/// each still links to its own article.
#[tokio::test]
async fn a_layout_hiding_the_first_source_keeps_the_others_readable() {
    let names = ["lwn", "register"];
    let (_server, app) = public_site(fixture("tests/fixtures/stories", &names)).await;
    let api = get(&app, "/api/headlines", &[]).await.json();
    let lwn = api["sources"][0]["id"].as_str().unwrap();
    let page = get(&app, "/", &[("cookie", &format!("nd_layout=1:!{lwn}"))])
        .await
        .text();
    assert!(
        !page.contains("Linux 6.18 released<"),
        "the LWN box is hidden"
    );
    assert!(page.contains(
        "<li class=\"covered\"><a href=\"https://www.theregister.com/2026/11/30/linux_6_18/?td=rt-3a\">Torvalds ships Linux 6.18"
    ), "{page}");
}

/// How many reports the demo's sample feeds fold (the figure in SCALING.md).
#[tokio::test]
async fn the_demo_folds_what_its_sources_share() {
    let names = [
        "kernel",
        "desktop",
        "distro",
        "security",
        "rust",
        "hardware",
        "cloud",
        "opensource",
        "dev",
    ];
    let (_server, app) = public_site(fixture("sites/demo/feeds", &names)).await;
    let api = get(&app, "/api/headlines", &[]).await.json();
    let stories = stories(&api);
    let entries: usize = stories.values().map(BTreeSet::len).sum();
    for titles in stories.values().filter(|t| t.len() > 1) {
        println!("demo story: {titles:?}");
    }
    println!(
        "demo: {entries} entries, {} stories, {} reports folded",
        stories.len(),
        entries - stories.len()
    );
    assert_eq!(entries, 9 * 24);
    let page = get(&app, "/", &[]).await.text();
    assert_eq!(
        page.matches("<li class=\"covered\">").count(),
        entries - stories.len()
    );
}
