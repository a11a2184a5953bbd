//! The store conformance suite (tests/support/conformance.rs) on `memory://` and `file://`;
//! tests/garage/store_conformance.rs runs it on a real Garage node.

use crate::support::conformance::*;

#[tokio::test]
async fn publish_protocol_on_memory() {
    publish_protocol("memory").await;
}

#[tokio::test]
async fn publish_protocol_on_file() {
    publish_protocol("file").await;
}

#[tokio::test]
async fn gc_on_memory() {
    gc_keeps_what_is_named("memory").await;
}

#[tokio::test]
async fn gc_on_file() {
    gc_keeps_what_is_named("file").await;
}

#[tokio::test]
async fn concurrent_shards_on_memory() {
    concurrent_shards("memory").await;
}

#[tokio::test]
async fn concurrent_shards_on_file() {
    concurrent_shards("file").await;
}

#[tokio::test]
async fn rollback_holds_until_released_on_memory() {
    rollback_holds_until_released("memory").await;
}

#[tokio::test]
async fn rollback_holds_until_released_on_file() {
    rollback_holds_until_released("file").await;
}

#[tokio::test]
async fn concurrent_deployments_keep_both_sites_on_memory() {
    concurrent_deployments_keep_both_sites("memory").await;
}

#[tokio::test]
async fn concurrent_deployments_keep_both_sites_on_file() {
    concurrent_deployments_keep_both_sites("file").await;
}

#[tokio::test]
async fn concurrent_headline_saves_on_memory() {
    concurrent_headline_saves("memory").await;
}

#[tokio::test]
async fn concurrent_headline_saves_on_file() {
    concurrent_headline_saves("file").await;
}
