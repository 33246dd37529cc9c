//! Users (API-NOTES B6): `GET /v1/users/current` and `GET /v1/users/{id}`; deactivation (users are
//! deactivated, not deleted); and seeding many agents at once for load tests.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use super::access::{Caller, Via};
use super::jsonapi;
use super::model::{User, ADMIN_ROLES, AGENT_ROLES, STATUS_AVAILABLE};

/// The API key's machine user (B2), as `GET /v1/auth/tokens/current` names it.
pub const MACHINE_USER_ID: &str = "u-machine-1";
use crate::state::{iso_now, App, State as World};

pub fn user_json(u: &User) -> Value {
    jsonapi::resource(
        "user",
        &u.id,
        json!({
            "name": u.name,
            "displayName": u.name,
            "email": u.email,
            "userType": "user",
            "roles": u.roles,
            // Not documented: how a deactivated user looks; the sandbox says `active: false`.
            "active": u.active,
        }),
    )
}

/// B6: "a key returns its machine user, OAuth the person": for the API key its machine user, for an
/// OAuth token (or the page's session) the person.
pub async fn current_user(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let Some(id) = caller.user_id() else {
        return jsonapi::one(machine_user_json());
    };
    let st = app.lock();
    match st.kustomer.user(id) {
        Some(u) => jsonapi::one(user_json(u)),
        None => jsonapi::not_found("user", id),
    }
}

/// The API key's machine user (B2, B6). Not documented: its name and e-mail; the sandbox gives a name
/// and no e-mail.
fn machine_user_json() -> Value {
    jsonapi::resource(
        "user",
        MACHINE_USER_ID,
        json!({
            "name": "Sandbox API key",
            "displayName": "Sandbox API key",
            "email": null,
            "userType": "machine",
            "roles": ADMIN_ROLES,
            "active": true,
        }),
    )
}

/// B2: `GET /v1/auth/tokens/current` describes the credential in use. Not documented: its shape; the
/// sandbox answers `{type: "token", id, attributes: {kind: apiKey|oauth, userId, userType, roles}}`,
/// the API key's user being its machine user `u-machine-1` (never the key itself).
pub async fn current_token(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let attributes = match &caller {
        Caller::Machine => json!({
            "kind": "apiKey",
            "userId": MACHINE_USER_ID,
            "userType": "machine",
            "roles": ADMIN_ROLES,
        }),
        Caller::Person { user_id, via } => {
            let roles = app
                .lock()
                .kustomer
                .user(user_id)
                .map_or(&[][..], |u| u.roles);
            json!({
                "kind": if *via == Via::OAuth { "oauth" } else { "session" },
                "userId": user_id,
                "userType": "user",
                "roles": roles,
            })
        }
    };
    let id = match &caller {
        Caller::Machine => "apikey-1".to_owned(),
        Caller::Person { user_id, .. } => format!("token-{user_id}"),
    };
    jsonapi::one(jsonapi::resource("token", &id, attributes))
}

pub async fn user(State(app): State<App>, Path(id): Path<String>) -> Response {
    let st = app.lock();
    match st.kustomer.user(&id) {
        Some(u) => jsonapi::one(user_json(u)),
        None => jsonapi::not_found("user", &id),
    }
}

/// Deactivates (or reactivates) a user. A deactivated user's access tokens get 401, their refresh
/// token `invalid_grant`, their page session 401. Not documented: what deactivation does to a live
/// work session; the sandbox ends it (Offline), as the user can no longer work. Returns whether the
/// user exists.
pub fn set_active(app: &App, user_id: &str, active: bool) -> bool {
    let mut st = app.lock();
    let k = &mut st.kustomer;
    let Some(u) = k.users.iter_mut().find(|u| u.id == user_id) else {
        return false;
    };
    u.active = active;
    if !active {
        if let Some(w) = k.live_session_mut(user_id) {
            let now = iso_now();
            w.status_id = super::model::STATUS_OFFLINE.into();
            w.signed_out_at = Some(now.clone());
            w.updated_at = now;
        }
    }
    true
}

/// One seeded agent, as `POST /sandbox/agents` reports it.
pub struct SeededAgent {
    pub email: String,
    pub name: String,
    pub kustomer_user_id: String,
}

/// The e-mail of bulk agent `n` (1-based): `agent0001@example.com`.
pub fn bulk_email(n: usize) -> String {
    format!("agent{n:04}@example.com")
}

/// Makes sure agents 1..=count exist in Kustomer, each Available on a live work session. Existing
/// ones are kept as they are (calling it again is harmless). One pass, no page events: 5,000 agents
/// take milliseconds.
pub fn seed_agents(st: &mut World, count: usize) -> Vec<SeededAgent> {
    let k = &mut st.kustomer;
    let existing: std::collections::HashMap<String, String> = k
        .users
        .iter()
        .map(|u| (u.email.to_ascii_lowercase(), u.id.clone()))
        .collect();
    let now = iso_now();
    let mut out = Vec::with_capacity(count);
    for n in 1..=count {
        let email = bulk_email(n);
        let name = format!("Agent {n:04}");
        let id = match existing.get(&email) {
            Some(id) => id.clone(),
            None => {
                let id = format!("u-bulk-{n:05}");
                k.users.push(User {
                    id: id.clone(),
                    name: name.clone(),
                    email: email.clone(),
                    roles: AGENT_ROLES,
                    active: true,
                });
                k.start_session(&id, STATUS_AVAILABLE, &now);
                id
            }
        };
        out.push(SeededAgent {
            email,
            name,
            kustomer_user_id: id,
        });
    }
    out
}
