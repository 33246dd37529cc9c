//! The Kustomer-like agent page: one HTML shell for every `/app/…` path (its script renders from
//! `location.pathname`), and its script and stylesheet. The assets are compiled into the binary so it
//! runs from any directory.
//!
//! Every response carries a strict Content-Security-Policy without `'wasm-unsafe-eval'`, as a real SaaS
//! page may: the end-to-end tests prove the extension works under it (STYLE.md, "CSP").

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use crate::auth::SESSION_COOKIE;
use crate::kustomer::access::{page_person, session_cookie};
use crate::state::App;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

const INDEX_HTML: &str = include_str!("../static/index.html");
const APP_JS: &str = include_str!("../static/app.js");
const APP_CSS: &str = include_str!("../static/app.css");
const FAVICON: &str = include_str!("../static/favicon.svg");
const VARIANT_HTML: &str = include_str!("../static/variant.html");
const VARIANT_JS: &str = include_str!("../static/variant.js");

pub fn router() -> Router<App> {
    Router::new()
        .route("/", get(root))
        .route("/app", get(index))
        .route("/app/{*rest}", get(index))
        // Kustomer's OAuth authorize page lives on the org's page host (API-NOTES B3).
        .route(
            "/oauth/authorize",
            get(crate::kustomer::oauth::authorize::authorize),
        )
        .route(
            "/static/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/static/app.css",
            get(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        )
        .route(
            "/favicon.ico",
            get(|| async { asset("image/svg+xml", FAVICON) }),
        )
        .route(
            "/static/favicon.svg",
            get(|| async { asset("image/svg+xml", FAVICON) }),
        )
}

/// `/` lands on the first conversation, as Kustomer opens on the agent's inbox.
/// The query string is kept (`/?poll=1`).
async fn root(State(app): State<App>, uri: Uri) -> Redirect {
    let first = app
        .lock()
        .kustomer
        .conversations
        .first()
        .map(|c| c.id.clone())
        .unwrap_or_default();
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    Redirect::to(&format!("/app/conversations/{first}{query}"))
}

/// The shell, plus the session cookie a signed-in agent's browser would hold: the page's own API calls
/// use it instead of an API key (HttpOnly, so not even the page's scripts can read it). A browser
/// already signed in (`/sandbox/login`) keeps its person; any other gets the page's agent.
async fn index(State(app): State<App>, headers: HeaderMap) -> Response {
    with_page_session(
        &app,
        &headers,
        asset("text/html; charset=utf-8", INDEX_HTML),
    )
}

/// `/sandbox/variant`: a Kustomer-like agent page whose markup the extension's selectors do not know
/// (Kustomer's markup changes without notice). It saves the agent's work session through the same
/// API as the main page, so the server's work-session path (B8) has something to find.
pub async fn variant(State(app): State<App>, headers: HeaderMap) -> Response {
    with_page_session(
        &app,
        &headers,
        asset("text/html; charset=utf-8", VARIANT_HTML),
    )
}

pub async fn variant_js() -> Response {
    asset("text/javascript; charset=utf-8", VARIANT_JS)
}

fn with_page_session(app: &App, headers: &HeaderMap, mut res: Response) -> Response {
    if session_cookie(headers).is_some_and(|c| page_person(app, c).is_some()) {
        return res;
    }
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
        app.session_token
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
