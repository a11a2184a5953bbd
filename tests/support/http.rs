//! Requests through the frontend's router, in-process (`oneshot`), and the response read whole.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use newsdesk::frontend::{self, App};

/// A response of the frontend's router, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    /// A header's value, `""` when it is not there.
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }
}

/// `req` through `router`, in-process.
pub async fn send(router: axum::Router, req: Request<Body>) -> Reply {
    let resp = tower::ServiceExt::oneshot(router, req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// A GET of `path` with `host` as its Host and extra `headers`.
pub fn get_request(host: &str, path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::get(path).header(header::HOST, host);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.body(Body::empty()).unwrap()
}

/// A GET on the `test` site (Host `test.example`) with extra `headers`.
pub async fn get(app: &Arc<App>, path: &str, headers: &[(&str, &str)]) -> Reply {
    get_on(app, "test.example", path, headers).await
}

/// A GET with `host` as its Host and extra `headers`.
pub async fn get_on(app: &Arc<App>, host: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    send(
        frontend::router(app.clone()),
        get_request(host, path, headers),
    )
    .await
}
