//! A real HTTP feed server on loopback whose answers each test scripts, and generated feeds
//! to serve on it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode, header};

/// What the server answers on a path.
#[derive(Clone)]
pub enum Behavior {
    /// A feed body; `If-None-Match` with its ETag gets a 304.
    Feed {
        body: Vec<u8>,
        content_type: &'static str,
        etag: Option<String>,
    },
    Status(u16),
    /// A status with extra headers (e.g. `Retry-After`).
    StatusWith(u16, Vec<(&'static str, String)>),
    Redirect(String),
    /// Sends `chunk` every `every`, forever (bounded by the client's timeout).
    Drip {
        chunk: Vec<u8>,
        every: Duration,
    },
    /// A body of `len` bytes, streamed.
    Huge {
        len: usize,
    },
    /// Raw bytes with a Content-Encoding header (for decompression bombs).
    Encoded {
        body: Vec<u8>,
        encoding: &'static str,
        content_type: &'static str,
    },
    /// Answers after a delay.
    Slow {
        delay: Duration,
        body: Vec<u8>,
    },
    /// A 200 with these headers; a request whose `If-None-Match` equals the `etag` header, or
    /// whose `If-Modified-Since` equals the `last-modified` header, gets a 304.
    Custom {
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
}

static ARRIVALS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[derive(Clone, Default)]
struct Shared {
    routes: Arc<Mutex<HashMap<String, Behavior>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    /// Largest number of requests in flight at once.
    in_flight: Arc<Mutex<(usize, usize)>>,
    /// `(sequence number, path)` of each request, in arrival order; the numbers come from one
    /// counter shared by every server in the test binary, so arrivals on two servers compare.
    arrivals: Arc<Mutex<Vec<(usize, String)>>>,
    /// The request headers last seen per path.
    last_headers: Arc<Mutex<HashMap<String, HeaderMap>>>,
}

pub struct FeedServer {
    pub addr: SocketAddr,
    shared: Shared,
}

impl FeedServer {
    pub async fn start() -> FeedServer {
        FeedServer::start_on("127.0.0.1").await
    }

    /// A server on another loopback address (any of 127/8), i.e. another host for per-host limits.
    pub async fn start_on(ip: &str) -> FeedServer {
        let shared = Shared::default();
        let s = shared.clone();
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap| {
            let s = s.clone();
            async move { answer(s, uri.path().to_string(), headers).await }
        });
        let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FeedServer { addr, shared }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn set(&self, path: &str, b: Behavior) {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), b);
    }

    /// Serves a fixture file from `tests/fixtures/feeds` with an ETag.
    pub fn fixture(&self, path: &str, file: &str) {
        let body = std::fs::read(format!(
            "{}/tests/fixtures/feeds/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let content_type = if file.ends_with(".json") {
            "application/feed+json"
        } else {
            "application/xml"
        };
        self.set(
            path,
            Behavior::Feed {
                etag: Some(format!("\"{}\"", body.len())),
                body,
                content_type,
            },
        );
    }

    pub fn hits(&self, path: &str) -> usize {
        self.shared
            .hits
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub fn total_hits(&self) -> usize {
        self.shared.hits.lock().unwrap().values().sum()
    }

    pub fn max_in_flight(&self) -> usize {
        self.shared.in_flight.lock().unwrap().1
    }

    pub fn arrivals(&self) -> Vec<(usize, String)> {
        self.shared.arrivals.lock().unwrap().clone()
    }

    /// A request header as last received on `path`.
    pub fn last_header(&self, path: &str, name: &str) -> Option<String> {
        let headers = self.shared.last_headers.lock().unwrap();
        headers
            .get(path)?
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

/// A raw TCP listener that accepts each connection, reads the request and resets the connection
/// (RST via a zero linger) without answering. Returns its address; stops with the runtime.
pub async fn resetting_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = tokio::io::AsyncReadExt::read(&mut conn, &mut buf).await;
            // A zero linger makes the close a reset instead of a clean FIN.
            #[allow(deprecated)]
            conn.set_linger(Some(Duration::ZERO)).unwrap();
            drop(conn);
        }
    });
    addr
}

struct InFlight(Arc<Mutex<(usize, usize)>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.lock().unwrap().0 -= 1;
    }
}

async fn answer(s: Shared, path: String, headers: HeaderMap) -> Response<Body> {
    *s.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let seq = ARRIVALS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    s.arrivals.lock().unwrap().push((seq, path.clone()));
    s.last_headers
        .lock()
        .unwrap()
        .insert(path.clone(), headers.clone());
    let guard = {
        let mut f = s.in_flight.lock().unwrap();
        f.0 += 1;
        f.1 = f.1.max(f.0);
        InFlight(s.in_flight.clone())
    };
    let behavior = s.routes.lock().unwrap().get(&path).cloned();
    let resp = Response::builder();
    let out = match behavior {
        None => resp.status(404).body(Body::from("no such feed")),
        Some(Behavior::Feed {
            body,
            content_type,
            etag,
        }) => {
            let inm = headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok());
            if let (Some(e), Some(i)) = (&etag, inm)
                && e == i
            {
                return resp
                    .status(304)
                    .header(header::ETAG, e)
                    .body(Body::empty())
                    .unwrap();
            }
            let mut r = resp.status(200).header(header::CONTENT_TYPE, content_type);
            if let Some(e) = etag {
                r = r.header(header::ETAG, e);
            }
            r.body(Body::from(body))
        }
        Some(Behavior::Status(code)) => resp.status(code).body(Body::from("error page")),
        Some(Behavior::StatusWith(code, hs)) => {
            let mut r = resp.status(code);
            for (k, v) in hs {
                r = r.header(k, v);
            }
            r.body(Body::from("error page"))
        }
        Some(Behavior::Redirect(to)) => resp
            .status(StatusCode::FOUND)
            .header(header::LOCATION, to)
            .body(Body::empty()),
        Some(Behavior::Drip { chunk, every }) => {
            let stream = futures::stream::unfold((), move |()| {
                let chunk = chunk.clone();
                async move {
                    tokio::time::sleep(every).await;
                    Some((Ok::<_, std::io::Error>(bytes::Bytes::from(chunk)), ()))
                }
            });
            resp.status(200)
                .header(header::CONTENT_TYPE, "application/xml")
                .body(Body::from_stream(stream))
        }
        Some(Behavior::Huge { len }) => {
            let chunk = bytes::Bytes::from(vec![b'x'; 64 * 1024]);
            let n = len.div_ceil(chunk.len());
            let stream =
                futures::stream::iter((0..n).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
            resp.status(200)
                .header(header::CONTENT_TYPE, "application/xml")
                .body(Body::from_stream(stream))
        }
        Some(Behavior::Encoded {
            body,
            encoding,
            content_type,
        }) => resp
            .status(200)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CONTENT_ENCODING, encoding)
            .body(Body::from(body)),
        Some(Behavior::Slow { delay, body }) => {
            tokio::time::sleep(delay).await;
            resp.status(200)
                .header(header::CONTENT_TYPE, "application/xml")
                .body(Body::from(body))
        }
        Some(Behavior::Custom { headers: hs, body }) => {
            let find = |name: &str| {
                hs.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str())
            };
            let matches = |ours: Option<&str>, theirs: header::HeaderName| {
                ours.is_some() && ours == headers.get(theirs).and_then(|v| v.to_str().ok())
            };
            let not_modified = matches(find("etag"), header::IF_NONE_MATCH)
                || matches(find("last-modified"), header::IF_MODIFIED_SINCE);
            let mut r = resp.status(if not_modified { 304 } else { 200 });
            for (k, v) in hs {
                r = r.header(k, v);
            }
            r.body(if not_modified {
                Body::empty()
            } else {
                Body::from(body)
            })
        }
    };
    drop(guard);
    out.unwrap()
}

/// An RSS 2.0 feed of `n` generated entries named after `name`.
pub fn generated_rss(name: &str, n: usize) -> Vec<u8> {
    let mut items = String::new();
    for i in 0..n {
        items.push_str(&format!(
            "<item><title>{name} story number {i} with a headline of typical length</title>\
             <link>https://{name}.example/story/{i}</link><guid>{name}-{i}</guid>\
             <pubDate>Mon, 23 Nov 2026 {:02}:{:02}:00 GMT</pubDate></item>",
            (i / 60) % 24,
            i % 60
        ));
    }
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{name}</title>\
         <link>https://{name}.example/</link>{items}</channel></rss>"
    )
    .into_bytes()
}

/// [`generated_rss`] with a description of about 400 characters per item: HTML paragraphs of
/// words drawn (seeded by `name`) from common English, which compress about as news prose does.
pub fn generated_rss_with_summaries(name: &str, n: usize) -> Vec<u8> {
    #[rustfmt::skip]
    const WORDS: &[&str] = &[
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with",
        "on", "be", "by", "at", "this", "from", "have", "or", "are", "an", "they", "which",
        "government", "minister", "said", "report", "new", "people", "year", "city", "police",
        "company", "market", "shares", "after", "week", "would", "could", "council", "plans",
        "school", "health", "workers", "election", "vote", "court", "judge", "climate", "energy",
        "prices", "rise", "fall", "record", "study", "scientists", "found", "research", "data",
        "software", "release", "security", "update", "users", "phone", "network", "service",
        "storm", "flood", "coast", "river", "train", "airport", "strike", "union", "talks",
        "deal", "trade", "tariffs", "exports", "bank", "interest", "rates", "inflation", "budget",
        "hospital", "patients", "doctors", "museum", "festival", "film", "music", "team",
        "season", "match", "coach", "players", "league", "final", "first", "last", "million",
        "billion", "percent", "officials", "announced", "expected", "warned", "according",
        "Tuesday", "Monday", "spokesperson", "region", "national", "local", "international",
    ];
    let mut rng = crate::support::rng::Rng(
        name.bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
    );
    let plain = generated_rss(name, n);
    let mut out = String::from_utf8(plain).unwrap();
    for i in 0..n {
        let mut words: Vec<&str> = vec![];
        while words.iter().map(|w| w.len() + 1).sum::<usize>() < 400 {
            words.push(rng.pick(WORDS));
        }
        let description = format!(
            "<description>&lt;p&gt;{}.&lt;/p&gt;</description>",
            words.join(" ")
        );
        let guid = format!("<guid>{name}-{i}</guid>");
        out = out.replacen(&guid, &format!("{guid}{description}"), 1);
    }
    out.into_bytes()
}

/// [`generated_rss`] as a feed with an ETag that changes with `name` and `entries`.
pub fn rss(name: &str, entries: usize) -> Behavior {
    Behavior::Feed {
        body: generated_rss(name, entries),
        content_type: "application/rss+xml",
        etag: Some(format!("\"{name}-{entries}\"")),
    }
}

/// A server with `n` generated feeds at `/f0.xml`.., of `entries` entries each from the sources
/// `{name}0`.., and their URLs.
pub async fn generated(name: &str, n: usize, entries: usize) -> (FeedServer, Vec<String>) {
    let server = FeedServer::start().await;
    let urls = (0..n)
        .map(|i| {
            let path = format!("/f{i}.xml");
            server.set(&path, rss(&format!("{name}{i}"), entries));
            server.url(&path)
        })
        .collect();
    (server, urls)
}
