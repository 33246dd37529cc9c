//! Who is calling Kustomer's API, and whether their roles allow the operation.
//!
//! Three credentials (API-NOTES B1–B3): the API key (B2: a machine user; the sandbox's key holds every
//! role), an OAuth access token (B3: acts as the signed-in person, with that person's roles), and the
//! page's own `ksession` cookie (Kustomer's web app, as the person signed in to it). A deactivated
//! person's token and session are refused (B6). The caller goes into the request's extensions for the
//! handlers that answer differently per person (`GET /v1/users/current`, `user=true`).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::jsonapi;
use super::model::{ADMIN_ROLES, AGENT_USER_ID};
use crate::auth::{KUSTOMER_API_KEY, SESSION_COOKIE};
use crate::state::App;

/// The credential behind a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// The API key's machine user (B2).
    Machine,
    /// A person: through an OAuth access token (B3) or the page's session cookie.
    Person { user_id: String, via: Via },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    OAuth,
    Page,
}

impl Caller {
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Caller::Machine => None,
            Caller::Person { user_id, .. } => Some(user_id),
        }
    }

    /// Whether the caller is Kustomer's own web app (the sandbox page), not an API client.
    pub fn is_page(&self) -> bool {
        matches!(self, Caller::Person { via: Via::Page, .. })
    }
}

/// The auth layer of `/kapi/v1`: resolves the caller, checks the operation's roles, and hands the
/// caller to the handlers. 401 for no or a bad credential, 403 for a missing role (B1).
pub async fn middleware(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let caller = match resolve(&app, req.headers()) {
        Ok(c) => c,
        Err(detail) => return jsonapi::error(StatusCode::UNAUTHORIZED, detail),
    };
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().trim_start_matches("/kapi").to_owned())
        .unwrap_or_default();
    let needed = required_roles(req.method(), &path, req.uri().path());
    if !needed.is_empty() {
        let held = roles_of(&app, &caller);
        if !needed.iter().any(|r| held.contains(r)) {
            let detail = format!(
                "missing role: {} {path} needs one of {}",
                req.method(),
                needed.join(", ")
            );
            return jsonapi::error(StatusCode::FORBIDDEN, detail);
        }
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// The caller of a request, or why it has none.
pub fn resolve(app: &App, headers: &HeaderMap) -> Result<Caller, String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let mut refusal = None;
    if let Some(token) = bearer {
        if token == KUSTOMER_API_KEY {
            return Ok(Caller::Machine);
        }
        match oauth_person(app, token) {
            Ok(user_id) => {
                return Ok(Caller::Person {
                    user_id,
                    via: Via::OAuth,
                })
            }
            Err(why) => refusal = Some(why),
        }
    }
    if let Some(user_id) = session_cookie(headers).and_then(|v| page_person(app, v)) {
        return Ok(Caller::Person {
            user_id,
            via: Via::Page,
        });
    }
    Err(refusal.unwrap_or_else(|| {
        "missing or invalid credentials (Authorization: Bearer <API key or OAuth access token>)"
            .into()
    }))
}

fn oauth_person(app: &App, token: &str) -> Result<String, String> {
    let st = app.lock();
    let Some(grant) = st.kustomer.oauth.access(token) else {
        return Err("invalid access token".into());
    };
    if grant.expires <= Instant::now() {
        return Err("access token expired; use the refresh token".into());
    }
    match st.kustomer.user(&grant.user_id) {
        Some(u) if u.active => Ok(u.id.clone()),
        // Not documented: what a deactivated user's token gets; the sandbox refuses it (401).
        Some(_) => Err("the user of this access token is deactivated".into()),
        None => Err("invalid access token".into()),
    }
}

/// The `ksession` cookie's value, if the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

/// The active person a page session belongs to.
pub fn page_person(app: &App, cookie: &str) -> Option<String> {
    let st = app.lock();
    let user_id = if cookie == app.session_token {
        AGENT_USER_ID
    } else {
        st.kustomer.page_sessions.get(cookie)?.as_str()
    };
    st.kustomer
        .user(user_id)
        .filter(|u| u.active)
        .map(|u| u.id.clone())
}

fn roles_of(app: &App, caller: &Caller) -> &'static [&'static str] {
    match caller {
        Caller::Machine => ADMIN_ROLES,
        Caller::Person { user_id, .. } => {
            app.lock().kustomer.user(user_id).map_or(&[], |u| u.roles)
        }
    }
}

/// The roles an operation lists, any one of which suffices (API-NOTES, per section). Operations whose
/// roles the notes do not give are not checked (Not documented).
fn required_roles(method: &Method, path: &str, actual: &str) -> &'static [&'static str] {
    const ROUTING_STATUS_READ: &[&str] = &[
        "org.permission.routing_status.read",
        "org.permission.routing.read",
        "org.user.routing.read",
    ];
    const WORK_SESSION_READ: &[&str] = &[
        "org.permission.work_session.read",
        "org.permission.routing.read",
        "org.user.routing.read",
    ];
    const WORK_SESSION_UPDATE: &[&str] = &[
        "org.permission.work_session.update",
        "org.permission.routing.update",
        "org.user.routing.write",
    ];
    const CUSTOMER_READ: &[&str] = &["org.permission.customer.read", "org.user.customer.read"];
    const CONVERSATION_READ: &[&str] = &["org.permission.conversation.read"];
    const CONVERSATION_UPDATE: &[&str] = &[
        "org.permission.conversation.update",
        "org.user.conversation.write",
    ];
    match (method.as_str(), path) {
        ("GET", "/v1/routing/statuses") => ROUTING_STATUS_READ, // B7
        ("GET", "/v1/routing/work-sessions")
        | ("GET", "/v1/routing/work-sessions/{id}")
        | ("GET", "/v1/routing/users/{id}/work-sessions") => WORK_SESSION_READ, // B8
        ("PUT", "/v1/routing/work-sessions/{id}") => WORK_SESSION_UPDATE, // B8
        ("GET", "/v1/customers") | ("GET", "/v1/customers/{id}") => CUSTOMER_READ, // B9
        ("POST", "/v1/customers") => &["org.permission.customer.create", "org.user.customer.write"], // B10
        ("PUT", "/v1/customers/{id}") | ("PATCH", "/v1/customers/{id}") => {
            &["org.permission.customer.update"] // B10
        }
        ("GET", "/v1/customers/{id}/conversations") | ("GET", "/v1/conversations") => {
            CONVERSATION_READ // B9, B11
        }
        ("PUT", "/v1/conversations/{id}") | ("PATCH", "/v1/conversations/{id}") => {
            CONVERSATION_UPDATE // B11
        }
        ("POST", "/v1/messages") | ("POST", "/v1/customers/{id}/messages") => {
            &["org.permission.message.create"] // B12
        }
        ("POST", "/v1/notes") | ("POST", "/v1/notes/bulk") => &["org.permission.note.create"], // B13
        // One route serves a conversation's messages and notes.
        ("POST", "/v1/conversations/{id}/{kind}") if actual.ends_with("/messages") => {
            &["org.permission.message.create"] // B12
        }
        ("POST", "/v1/conversations/{id}/{kind}") if actual.ends_with("/notes") => {
            &["org.permission.note.create"] // B13
        }
        ("GET", "/v1/metadata/{resource}") => &["org.permission.metadata.read"], // B15
        ("PUT", "/v1/metadata/{resource}") | ("PATCH", "/v1/metadata/{resource}") => {
            &["org.permission.metadata.update", "org.admin.metadata.write"]
        } // B15
        _ => &[],
    }
}
