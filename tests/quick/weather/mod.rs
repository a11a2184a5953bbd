//! Weather on real parts (the scaffolding is in tests/support/weather): the frontend's
//! `/api/weather`, the fetcher's weather step, and the reader's area from their address. The
//! strip in a real browser is in the browser tier (tests/browser/weather.rs).

mod api;
mod fetcher;
mod geoip;

use crate::support::weather::*;
use crate::support::{get, memory_store};
