//! A local weather API speaking Open-Meteo's protocol (`GET /v1/forecast`): it checks the
//! parameters as the real one does (a 400 with a `reason`), answers with the real shape for
//! the asked position, and can be switched to misbehave. Every request is recorded.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Response, StatusCode, Uri, header};
use serde_json::json;

/// How the server answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// 400 with Open-Meteo's error body.
    BadRequest(String),
    /// A 200 whose body is cut off mid-JSON.
    Malformed,
    /// Answers after this long.
    Slow(Duration),
    /// 429 with `Retry-After` in seconds.
    TooMany(u64),
}

#[derive(Default)]
struct State {
    mode: Option<Mode>,
    /// `(latitude, longitude)` of each request, in order.
    requests: Vec<(f64, f64)>,
}

pub struct OpenMeteoServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

const DAILY: &[&str] = &[
    "weather_code",
    "temperature_2m_max",
    "temperature_2m_min",
    "precipitation_probability_max",
    "precipitation_sum",
];

impl OpenMeteoServer {
    pub async fn start() -> OpenMeteoServer {
        let state = Arc::new(Mutex::new(State::default()));
        let s = state.clone();
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let s = s.clone();
            async move { answer(&s, &uri).await }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        OpenMeteoServer { addr, state }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set(&self, mode: Mode) {
        self.state.lock().unwrap().mode = Some(mode);
    }

    pub fn requests(&self) -> Vec<(f64, f64)> {
        self.state.lock().unwrap().requests.clone()
    }
}

fn reply(status: u16, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(body))
        .unwrap()
}

fn error(reason: &str) -> Response<Body> {
    reply(400, json!({ "error": true, "reason": reason }).to_string())
}

async fn answer(state: &Mutex<State>, uri: &Uri) -> Response<Body> {
    if uri.path() != "/v1/forecast" {
        return reply(
            404,
            json!({"error": true, "reason": "Not Found"}).to_string(),
        );
    }
    let q: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<f64>().ok());
    let (Some(lat), Some(lon)) = (num("latitude"), num("longitude")) else {
        return error("Parameter 'latitude' and 'longitude' must have the same number of elements");
    };
    state.lock().unwrap().requests.push((lat, lon));
    if !(-90.0..=90.0).contains(&lat) {
        return error(&format!(
            "Latitude must be in range of -90 to 90°. Given: {lat}."
        ));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return error(&format!(
            "Longitude must be in range of -180 to 180°. Given: {lon}."
        ));
    }
    for var in q.get("daily").map(String::as_str).unwrap_or("").split(',') {
        if !DAILY.contains(&var) {
            return error(&format!(
                "Cannot initialize WeatherVariable from invalid String value {var} for key daily"
            ));
        }
    }
    let days: usize = q
        .get("forecast_days")
        .and_then(|d| d.parse().ok())
        .unwrap_or(7);
    if !(1..=16).contains(&days) {
        return error("Forecast days is invalid. Allowed range 0 to 16.");
    }
    let mode = state.lock().unwrap().mode.clone().unwrap_or(Mode::Normal);
    match mode {
        Mode::Normal => reply(200, forecast(lat, lon, days)),
        Mode::BadRequest(reason) => error(&reason),
        Mode::Malformed => {
            let body = forecast(lat, lon, days);
            reply(200, body[..body.len() / 2].to_string())
        }
        Mode::Slow(delay) => {
            tokio::time::sleep(delay).await;
            reply(200, forecast(lat, lon, days))
        }
        Mode::TooMany(secs) => Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header(header::RETRY_AFTER, secs.to_string())
            .body(Body::from(
                json!({"error": true, "reason": "Minutely API request limit exceeded. Please try again in one minute."})
                    .to_string(),
            ))
            .unwrap(),
    }
}

/// The high of day `i` at latitude `lat`, in °C: what tests expect to find.
pub fn high_at(lat: f64, i: usize) -> f64 {
    ((30.0 - lat.abs() * 0.5 + i as f64) * 10.0).round() / 10.0
}

/// Weather codes of the five days.
pub const CODES: [u8; 5] = [0, 2, 61, 71, 95];

/// An answer in Open-Meteo's shape, values derived from the position.
fn forecast(lat: f64, lon: f64, days: usize) -> String {
    let today = chrono::Utc::now().date_naive();
    let dates: Vec<String> = (0..days)
        .map(|i| (today + chrono::Days::new(i as u64)).to_string())
        .collect();
    let highs: Vec<f64> = (0..days).map(|i| high_at(lat, i)).collect();
    let lows: Vec<f64> = highs.iter().map(|h| h - 8.5).collect();
    let codes: Vec<u8> = (0..days).map(|i| CODES[i % CODES.len()]).collect();
    json!({
        "latitude": (lat * 100.0).round() / 100.0,
        "longitude": (lon * 100.0).round() / 100.0,
        "generationtime_ms": 0.05,
        "utc_offset_seconds": 0,
        "timezone": "GMT",
        "timezone_abbreviation": "GMT",
        "elevation": 100.0,
        "daily_units": {
            "time": "iso8601", "weather_code": "wmo code", "temperature_2m_max": "°C",
            "temperature_2m_min": "°C", "precipitation_probability_max": "%", "precipitation_sum": "mm"
        },
        "daily": {
            "time": dates,
            "weather_code": codes,
            "temperature_2m_max": highs,
            "temperature_2m_min": lows,
            "precipitation_probability_max": (0..days).map(|i| (i * 20) as u64).collect::<Vec<_>>(),
            "precipitation_sum": (0..days).map(|i| i as f64 * 1.5).collect::<Vec<_>>(),
        }
    })
    .to_string()
}
