//! Search through a published site on a real Garage node (the same flow as the quick tier's
//! `memory://` and `file://` runs, tests/support/search.rs).

use newsdesk::store::{Role, Store};

use crate::support::bucket::garage_url;
use crate::support::search::search_through_a_published_site;

#[tokio::test]
async fn search_on_garage() {
    let store = Store::open(&garage_url("search"), Role::Fetcher).unwrap();
    search_through_a_published_site(&store).await;
}
