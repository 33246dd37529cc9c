//! `GET {base}/oauth/authorize` (API-NOTES B3: on the org's page host, here the sandbox page's origin).
//!
//! The person is the one signed in to the page (`ksession` cookie; `/sandbox/login?email=` signs in as
//! any seeded user). Not documented: Kustomer's consent screen. The sandbox approves at once for a
//! signed-in person (there is nothing to choose: scopes are not documented either) and shows a sign-in
//! form to anyone else. Errors follow RFC 6749 §4.1.2.1: an unknown client or a redirect URI the client
//! did not register is shown here and never redirected; anything else goes back to the redirect URI as
//! `error`, `error_description` and `state`.

use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Code, OAuthClient, CODE_TTL};
use crate::kustomer::access::{page_person, session_cookie};
use crate::state::App;

#[derive(Deserialize)]
pub struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    state: Option<String>,
    scope: Option<String>,
}

pub async fn authorize(
    State(app): State<App>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<AuthorizeQuery>,
) -> Response {
    let Some(client) = q.client_id.as_deref().and_then(|id| client(&app, id)) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Unknown client_id: no app with this id is installed in the org.",
        );
    };
    let Some(redirect_uri) = q
        .redirect_uri
        .clone()
        .filter(|r| client.redirect_uris.contains(r))
    else {
        return page(
            StatusCode::BAD_REQUEST,
            "redirect_uri is missing or is not one of the client's registered redirectUris.",
        );
    };
    let back = |params: &[(&str, &str)]| back_to(&redirect_uri, params, q.state.as_deref());
    if q.response_type.as_deref() != Some("code") {
        return back(&[
            ("error", "unsupported_response_type"),
            ("error_description", "response_type must be code"),
        ]);
    }
    let challenge = match (&q.code_challenge, q.code_challenge_method.as_deref()) {
        (Some(c), Some("S256")) if !c.is_empty() => c.clone(),
        _ => {
            return back(&[
                ("error", "invalid_request"),
                (
                    "error_description",
                    "PKCE is required: code_challenge with code_challenge_method=S256",
                ),
            ])
        }
    };
    let Some(user_id) = session_cookie(&headers).and_then(|c| page_person(&app, c)) else {
        return sign_in_form(&uri);
    };
    let code = app.lock().kustomer.oauth.add_code(Code {
        client_id: client.client_id,
        redirect_uri: redirect_uri.clone(),
        user_id,
        challenge,
        scope: q.scope.clone(),
        expires: Instant::now() + CODE_TTL,
    });
    back(&[("code", &code)])
}

/// A registered client by id.
pub fn client(app: &App, id: &str) -> Option<OAuthClient> {
    app.oauth_clients()
        .iter()
        .find(|c| c.client_id == id)
        .cloned()
}

/// 302 to the client's redirect URI with `params` (and `state`, when the client sent one).
fn back_to(redirect_uri: &str, params: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut pairs: Vec<(&str, &str)> = params.to_vec();
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{redirect_uri}{sep}{query}")).into_response()
}

/// A plain-text page for errors that must not be redirected.
fn page(status: StatusCode, text: &'static str) -> Response {
    let mut res = (status, format!("Kustomer sign-in: {text}\n")).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// Nobody is signed in: a form that signs in by e-mail (the sandbox has no passwords) and comes back.
fn sign_in_form(uri: &Uri) -> Response {
    let next = uri
        .path_and_query()
        .map_or("/oauth/authorize", |p| p.as_str());
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to Kustomer</title></head>\
<body><main><h1>Sign in to Kustomer</h1>\
<form method=\"get\" action=\"/sandbox/login\">\
<label for=\"email\">E-mail</label> <input id=\"email\" name=\"email\" type=\"email\" required autocomplete=\"username\">\
<input type=\"hidden\" name=\"next\" value=\"{}\">\
<button type=\"submit\">Sign in</button></form></main></body></html>",
        escape_attr(next)
    );
    let mut res = html.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; form-action 'self'; frame-ancestors 'none'"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
