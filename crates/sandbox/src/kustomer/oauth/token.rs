//! `POST {base}/kapi/oauth/token` (API-NOTES B3; Kustomer's `https://<org>.api.kustomerapp.com/oauth/token`).
//!
//! `grant_type=authorization_code` (`code`, `redirect_uri`, `client_id`, `code_verifier`, and
//! `client_secret` for a confidential client) and `grant_type=refresh_token` (`refresh_token`,
//! `client_id`, `client_secret`). Answers RFC 6749 §5.1 `{access_token, token_type, expires_in,
//! refresh_token, scope}` or §5.2 `{error, error_description}` (400; `invalid_client` is 401).
//!
//! Not documented: the body's encoding. RFC 6749 says form-encoded; the sandbox also takes JSON.
//! The client may authenticate with `client_secret` in the body or HTTP Basic (RFC 6749 §2.3.1).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};

use super::authorize::client;
use super::pkce_s256_matches;
use crate::state::App;

pub async fn token(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let p = match params(&headers, &body) {
        Some(p) => p,
        None => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the body must be form-encoded (or JSON) parameters",
            )
        }
    };
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let (basic_id, basic_secret) = basic(&headers).unzip();
    let Some(client_id) = get("client_id").map(str::to_owned).or(basic_id) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id is required",
        );
    };
    let Some(client) = client(&app, &client_id) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client_id",
        );
    };
    if let Some(secret) = &client.client_secret {
        let sent = get("client_secret").map(str::to_owned).or(basic_secret);
        if sent.as_deref() != Some(secret.as_str()) {
            return error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed: a confidential client must send its client_secret",
            );
        }
    }
    let ttl = Duration::from_secs(app.cfg.oauth_access_ttl_s);
    match get("grant_type") {
        Some("authorization_code") => {
            let (Some(code), Some(verifier)) = (get("code"), get("code_verifier")) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code and code_verifier are required",
                );
            };
            let mut st = app.lock();
            let k = &mut st.kustomer;
            let Some(grant) = k.oauth.take_code(code) else {
                let detail = if k.oauth.reused_code(code) {
                    "the code was already used; the tokens it gave are revoked"
                } else {
                    "unknown or expired code"
                };
                return error(StatusCode::BAD_REQUEST, "invalid_grant", detail);
            };
            if grant.expires <= Instant::now() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the code has expired",
                );
            }
            if grant.client_id != client.client_id {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the code was issued to another client",
                );
            }
            if get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match the authorization request",
                );
            }
            if !pkce_s256_matches(verifier, &grant.challenge) {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code_verifier does not match the code_challenge (S256)",
                );
            }
            if !k.user(&grant.user_id).is_some_and(|u| u.active) {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the user is deactivated",
                );
            }
            let (access, refresh) = k.oauth.issue(
                &grant.user_id,
                &client.client_id,
                grant.scope.clone(),
                ttl,
                Some(code),
            );
            tokens(&access, &refresh, ttl, grant.scope.as_deref())
        }
        Some("refresh_token") => {
            let Some(old) = get("refresh_token") else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            let mut st = app.lock();
            let k = &mut st.kustomer;
            let Some(grant) = k.oauth.refresh(old) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown or already used refresh token",
                );
            };
            if grant.client_id != client.client_id {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the refresh token was issued to another client",
                );
            }
            let (user_id, scope) = (grant.user_id.clone(), grant.scope.clone());
            // Not documented: whether a deactivated user's refresh token works; the sandbox refuses it.
            if !k.user(&user_id).is_some_and(|u| u.active) {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the user is deactivated",
                );
            }
            // Not documented: rotation. The sandbox rotates: the old refresh token stops working.
            k.oauth.drop_refresh(old);
            let (access, refresh) =
                k.oauth
                    .issue(&user_id, &client.client_id, scope.clone(), ttl, None);
            tokens(&access, &refresh, ttl, scope.as_deref())
        }
        Some(other) => error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant_type {other} is not supported (authorization_code, refresh_token)"),
        ),
        None => error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required",
        ),
    }
}

fn params(headers: &HeaderMap, body: &[u8]) -> Option<HashMap<String, String>> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !json {
        return serde_urlencoded::from_bytes(body).ok();
    }
    let map: HashMap<String, Value> = serde_json::from_slice(body).ok()?;
    Some(
        map.into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                Value::Number(n) => Some((k, n.to_string())),
                _ => None,
            })
            .collect(),
    )
}

/// `Authorization: Basic base64(client_id:client_secret)`.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let b64 = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let pair = String::from_utf8(raw).ok()?;
    let (id, secret) = pair.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn tokens(access: &str, refresh: &str, ttl: Duration, scope: Option<&str>) -> Response {
    let body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "refresh_token": refresh,
        "scope": scope,
    });
    no_store((StatusCode::OK, Json(body)).into_response())
}

/// RFC 6749 §5.2.
fn error(status: StatusCode, code: &str, description: &str) -> Response {
    let body = json!({ "error": code, "error_description": description });
    let mut res = no_store((status, Json(body)).into_response());
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"kustomer-oauth\""),
        );
    }
    res
}

fn no_store(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}
