//! The web admin driven in-process as a browser would: a client at an address (the serving
//! loop's `ConnectInfo`), its session cookie and each form's CSRF token.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use newsdesk::frontend::admin::{AdminConfig, auth};
use newsdesk::frontend::{self, App};

use super::http::{Reply, send};

pub const PASSWORD: &str = "correct horse battery staple";
pub static HASH: LazyLock<String> = LazyLock::new(|| auth::hash_password(PASSWORD).unwrap());

/// The admin with [`PASSWORD`]; in-process requests are plain http, so tests of anything but
/// the https rules run with `allow_http` as `--admin-allow-http` does.
pub fn admin_config(lifetime: Duration, allow_http: bool) -> Arc<AdminConfig> {
    Arc::new(
        AdminConfig::new(&HASH, None, lifetime)
            .unwrap()
            .allowing_http(allow_http),
    )
}

/// What the admin's pages carry for the next request.
pub trait AdminPage {
    /// The session cookie this reply sets, as a `Cookie` header value.
    fn cookie(&self) -> String;
    /// The value of the first hidden `csrf` field.
    fn csrf(&self) -> String;
}

impl AdminPage for Reply {
    fn cookie(&self) -> String {
        self.header(header::SET_COOKIE)
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }

    fn csrf(&self) -> String {
        let text = self.text();
        let at = text.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
        text[at..at + 64].to_string()
    }
}

pub struct Client {
    app: Arc<App>,
    peer: SocketAddr,
    headers: Vec<(String, String)>,
}

impl Client {
    pub fn new(app: &Arc<App>, peer: &str) -> Client {
        Client {
            app: app.clone(),
            peer: peer.parse().unwrap(),
            headers: vec![],
        }
    }

    pub fn with(mut self, name: &str, value: &str) -> Client {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        form: Option<String>,
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "test.example");
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let body = match form {
            Some(f) => {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(f)
            }
            None => Body::empty(),
        };
        let mut req = req.body(body).unwrap();
        // What the serving loop attaches to every request.
        req.extensions_mut().insert(ConnectInfo(self.peer));
        send(frontend::router(self.app.clone()), req).await
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        self.send("GET", path, cookie, None).await
    }

    pub async fn post(&self, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Reply {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send("POST", path, cookie, Some(form)).await
    }

    pub async fn login(&self, password: &str) -> Reply {
        self.post("/admin/login", None, &[("password", password)])
            .await
    }

    /// Logs in and returns the session cookie and the editor page.
    pub async fn session(&self) -> (String, Reply) {
        let login = self.login(PASSWORD).await;
        assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.text());
        let cookie = login.cookie();
        let editor = self.get("/admin/headlines", Some(&cookie)).await;
        assert_eq!(editor.status, StatusCode::OK, "{}", editor.text());
        (cookie, editor)
    }

    /// Whether `cookie` is a session this frontend accepts.
    pub async fn logged_in(&self, cookie: &str) -> bool {
        self.get("/admin/headlines", Some(cookie)).await.status == StatusCode::OK
    }
}
