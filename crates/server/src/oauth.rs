//! Sign-in: Kustomer's OAuth 2.0 authorization code with PKCE (S256) and refresh tokens (API-NOTES B3),
//! with this server as the confidential client. The server learns who the agent is from Kustomer with
//! the agent's own token (B6), finds the CCAI agent with the same e-mail (A10; A5 then holds by
//! construction), keeps the agent's Kustomer tokens server-side and hands the browser only a session.
//!
//! `GET /auth/start?redirect=<uri>` → 302 to Kustomer's authorize page; `GET /auth/callback?code&state`
//! → 302 to `<uri>#session=…&refresh=…&expires_in=…`, or a refusal in words.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::directory;
use crate::http::auth::Agent;
use crate::session::{self, hash, random_token};
use crate::state::AppState;
use crate::store::identity::KustomerTokens;
use crate::vendor::{self, VendorError, KUSTOMER};

/// How long a sign-in may take between `/auth/start` and `/auth/callback`.
pub const SIGN_IN_TTL: Duration = Duration::from_secs(600);
/// Where a sign-in without `redirect` ends: a page of this server that says it is done.
pub const DONE_PATH: &str = "/auth/done";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/start", get(start))
        .route("/auth/callback", get(callback))
        .route(DONE_PATH, get(done))
}

/// PKCE S256 (RFC 7636): the challenge is the verifier's SHA-256, base64url without padding.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Where a sign-in may send the browser with its tokens: this server's own page, the `launchWebAuthFlow`
/// address (`https://<extension id>.chromiumapp.org/…`) of an extension the operator lists (by
/// default ours), or a prefix the operator allowed. Anything else would hand an agent's session to
/// whoever wrote the link, another extension of the agent's browser included.
pub fn redirect_allowed(cfg: &crate::Config, redirect: &str) -> bool {
    if redirect == DONE_PATH {
        return true;
    }
    if cfg
        .redirect_prefixes
        .iter()
        .any(|p| redirect.starts_with(p.as_str()))
    {
        return true;
    }
    let Some(rest) = redirect.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or("");
    match host.strip_suffix(".chromiumapp.org") {
        Some(id) => cfg.extension_ids.iter().any(|ours| ours == id),
        None => false,
    }
}

#[derive(Deserialize)]
struct StartQuery {
    redirect: Option<String>,
}

async fn start(State(state): State<AppState>, Query(q): Query<StartQuery>) -> Response {
    let cfg = &state.0.cfg;
    let redirect = q.redirect.unwrap_or_else(|| DONE_PATH.to_owned());
    if !redirect_allowed(cfg, &redirect) {
        return page(
            StatusCode::BAD_REQUEST,
            "This sign-in link does not lead back to the extension or to this server, so it was refused.",
        );
    }
    let (Ok(oauth_state), Ok(verifier)) = (random_token(), random_token()) else {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server could not draw random numbers; try again.",
        );
    };
    let expires = crate::now_ms() + SIGN_IN_TTL.as_millis() as u64;
    if let Err(e) =
        state
            .0
            .store
            .put_oauth_state(&hash(&oauth_state), &verifier, &redirect, expires)
    {
        eprintln!("ccai-server: saving a sign-in: {e}");
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server could not save this sign-in; try again.",
        );
    }
    let mut params = vec![
        ("response_type", "code".to_owned()),
        ("client_id", cfg.oauth_client_id.clone()),
        ("redirect_uri", cfg.oauth_redirect_uri.clone()),
        ("state", oauth_state),
        ("code_challenge", challenge(&verifier)),
        ("code_challenge_method", "S256".to_owned()),
    ];
    // Not documented: Kustomer's scope names (B3); sent only when the operator configures them.
    if let Some(scope) = &cfg.oauth_scope {
        params.push(("scope", scope.clone()));
    }
    match reqwest::Url::parse_with_params(&format!("{}/oauth/authorize", cfg.kustomer_page), params)
    {
        Ok(url) => found(url.as_str()),
        Err(e) => page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("The Kustomer page address in the server's settings is not valid: {e}"),
        ),
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Why a sign-in was refused: a short code for programs, words for the agent.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    words: String,
}

fn refuse(status: StatusCode, code: &'static str, words: impl Into<String>) -> Refusal {
    Refusal {
        status,
        code,
        words: words.into(),
    }
}

async fn callback(State(state): State<AppState>, Query(q): Query<CallbackQuery>) -> Response {
    let Some(oauth_state) = q.state.as_deref() else {
        return page(
            StatusCode::BAD_REQUEST,
            "This sign-in answer has no state; start again.",
        );
    };
    let taken = match state
        .0
        .store
        .take_oauth_state(&hash(oauth_state), crate::now_ms())
    {
        Ok(t) => t,
        Err(e) => {
            eprintln!("ccai-server: reading a sign-in: {e}");
            return page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server could not read this sign-in; try again.",
            );
        }
    };
    let Some((verifier, redirect)) = taken else {
        return page(
            StatusCode::BAD_REQUEST,
            "This sign-in has expired or was already used; start again.",
        );
    };
    match finish(&state, &q, &verifier).await {
        Ok(tokens) => {
            let fragment = format!(
                "session={}&refresh={}&expires_in={}",
                tokens.session, tokens.refresh, tokens.expires_in
            );
            found(&format!("{redirect}#{fragment}"))
        }
        Err(r) if redirect == DONE_PATH => page(r.status, &r.words),
        Err(r) => {
            let words: String = url_encode(&r.words);
            found(&format!(
                "{redirect}#error={}&error_description={words}",
                r.code
            ))
        }
    }
}

/// Everything after the state checked out: code → tokens → who → CCAI agent → session.
async fn finish(
    state: &AppState,
    q: &CallbackQuery,
    verifier: &str,
) -> Result<ccai_core::server_api::SessionTokens, Refusal> {
    if let Some(error) = &q.error {
        let detail = q.error_description.as_deref().unwrap_or(error);
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "kustomer_refused",
            format!("Kustomer did not sign you in: {detail}"),
        ));
    }
    let Some(code) = q.code.as_deref() else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "no_code",
            "Kustomer's answer has no sign-in code; start again.",
        ));
    };
    let cfg = &state.0.cfg;
    let tokens = exchange(
        state,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &cfg.oauth_redirect_uri),
            ("code_verifier", verifier),
        ],
    )
    .await
    .map_err(|e| vendor_refusal("Kustomer did not accept the sign-in code", e))?;
    let user = current_user(state, &tokens.access)
        .await
        .map_err(|e| vendor_refusal("Kustomer did not say who you are", e))?;
    if user.user_type.as_deref() == Some("machine") {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "machine_user",
            "This Kustomer sign-in belongs to a machine user (an API key), not a person.",
        ));
    }
    let Some(email) = user.email.filter(|e| !e.trim().is_empty()) else {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "no_email",
            "Kustomer knows you without an e-mail, so your CCAI Platform agent cannot be found.",
        ));
    };
    let email = email.trim().to_lowercase();
    let ccai = directory::ccai_agent_by_email(state, &email)
        .await
        .map_err(|e| {
            eprintln!("ccai-server: sign-in: {e}");
            refuse(
                StatusCode::BAD_GATEWAY,
                "vendor_error",
                format!("CCAI Platform's agent list could not be read ({e}). Start again."),
            )
        })?;
    let Some(ccai) = ccai else {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "no_ccai_agent",
            format!(
                "No CCAI Platform agent has the e-mail {email}, which is how Kustomer knows you. \
                 Ask your admin to give your CCAI Platform agent the same e-mail; until then nothing \
                 is synced for you."
            ),
        ));
    };
    let agent = Agent {
        name: user
            .name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| email.clone()),
        email,
        kustomer_user_id: user.id,
        ccai_agent_id: ccai.id,
    };
    let now = crate::now_ms();
    let internal = |e: String| {
        eprintln!("ccai-server: finishing a sign-in: {e}");
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "The server could not save your sign-in; try again.",
        )
    };
    state
        .0
        .agent_tokens
        .save_agent(&state.0.store, &agent, &tokens, now)
        .map_err(|e| internal(e.to_string()))?;
    session::open(state, &agent.email, now).map_err(|e| internal(e.to_string()))
}

fn vendor_refusal(what: &str, e: VendorError) -> Refusal {
    eprintln!("ccai-server: sign-in: {e}");
    let status = match e.status() {
        Some(s) if s.is_client_error() => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_GATEWAY,
    };
    refuse(
        status,
        "vendor_error",
        format!("{what} ({e}). Start again."),
    )
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// `POST {api}/oauth/token` (B3) as the confidential client.
pub(crate) async fn exchange(
    state: &AppState,
    grant: &[(&str, &str)],
) -> Result<KustomerTokens, VendorError> {
    let cfg = &state.0.cfg;
    let mut form: Vec<(&str, &str)> = grant.to_vec();
    form.push(("client_id", &cfg.oauth_client_id));
    form.push(("client_secret", &cfg.oauth_client_secret));
    let req = state
        .0
        .http
        .post(format!("{}/oauth/token", cfg.kustomer_api))
        .form(&form);
    let (t, _): (TokenAnswer, _) = vendor::json(KUSTOMER, "POST oauth/token", req).await?;
    Ok(KustomerTokens {
        access: t.access_token,
        refresh: t.refresh_token,
        // Not documented: token lifetimes (B3); we trust `expires_in` when given.
        expires_at_ms: t.expires_in.map(|s| crate::now_ms() + s * 1000),
    })
}

/// The person behind a Kustomer token (B6).
pub struct KustomerUser {
    pub id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub user_type: Option<String>,
}

#[derive(Deserialize)]
struct UserDoc {
    data: UserData,
}
#[derive(Deserialize)]
struct UserData {
    id: String,
    #[serde(default)]
    attributes: UserAttributes,
}
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct UserAttributes {
    email: Option<String>,
    name: Option<String>,
    display_name: Option<String>,
    user_type: Option<String>,
}

/// `GET /v1/users/current` with `token` (B6).
pub async fn current_user(state: &AppState, token: &str) -> Result<KustomerUser, VendorError> {
    let req = vendor::kustomer_get(&state.0.http, &state.0.cfg, "users/current", token);
    let (doc, _): (UserDoc, _) = vendor::json(KUSTOMER, "GET users/current", req).await?;
    let a = doc.data.attributes;
    Ok(KustomerUser {
        id: doc.data.id,
        email: a.email,
        name: a.display_name.or(a.name),
        user_type: a.user_type,
    })
}

/// A plain-text page: words only, never HTML (nothing a vendor or a link says is rendered as markup).
fn page(status: StatusCode, words: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{words}\n"),
    )
        .into_response()
}

fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

fn url_encode(s: &str) -> String {
    reqwest::Url::parse_with_params("x:", [("x", s)])
        .ok()
        .and_then(|u| u.query().map(|q| q.trim_start_matches("x=").to_owned()))
        .unwrap_or_default()
}

async fn done() -> Response {
    page(
        StatusCode::OK,
        "You are signed in to the company server. You can close this window.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn only_known_redirects_receive_tokens() {
        let mut cfg = crate::Config::new(crate::config::Secrets::default());
        let ext = format!(
            "https://{}.chromiumapp.org/company",
            crate::config::EXTENSION_ID
        );
        assert!(redirect_allowed(&cfg, DONE_PATH));
        assert!(redirect_allowed(&cfg, &ext));
        for bad in [
            // Another extension of the agent's browser.
            "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/",
            "https://evil.example/",
            "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org.evil.example/",
            "http://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/",
            "https://short.chromiumapp.org/",
            "//evil.example",
        ] {
            assert!(!redirect_allowed(&cfg, bad), "{bad}");
        }
        cfg.redirect_prefixes
            .push("https://ops.example/signed-in".into());
        assert!(redirect_allowed(&cfg, "https://ops.example/signed-in?x=1"));
        // A company's own build, listed by the operator.
        cfg.extension_ids = vec!["abcdefghijklmnopabcdefghijklmnop".into()];
        assert!(redirect_allowed(
            &cfg,
            "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/"
        ));
        assert!(!redirect_allowed(&cfg, &ext));
    }

    #[test]
    fn words_are_encoded_for_a_fragment() {
        assert_eq!(url_encode("a b&c=d"), "a+b%26c%3Dd");
    }
}
