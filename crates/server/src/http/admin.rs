//! The admin API: the company's settings (versioned, checked, exported and imported), what the options
//! page needs to edit them without calling a vendor itself (both vendors' status lists, read live; F1's
//! custom fields created in Kustomer; the server's own check of both vendors), and the agents (who is
//! signed in; sign one out). Every route needs an [`AdminSession`].

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ccai_core::server_api::{CreateFields, FieldsCreated, SettingsRefused, VersionedSettings};

use super::auth::{AdminSession, AuthError};
use super::{error, parse_json};
use crate::session;
use crate::settings::{self, SaveError};
use crate::state::AppState;
use crate::vendor::VendorError;
use crate::{catalogs, fields, preflight};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/v1/settings", get(get_settings).put(put_settings))
        .route("/admin/v1/settings/export", get(export))
        .route("/admin/v1/settings/import", post(import))
        .route("/admin/v1/catalogs/kustomer", get(kustomer_statuses))
        .route("/admin/v1/catalogs/ccai", get(ccai_statuses))
        .route("/admin/v1/fields", post(create_fields))
        .route("/admin/v1/checks", get(vendor_checks))
        .route("/admin/v1/agents", get(agents))
        .route("/admin/v1/agents/{email}/signout", post(sign_out))
}

fn internal(e: impl std::fmt::Display) -> Response {
    AuthError::Internal(e.to_string()).into_response()
}

fn etag(version: u64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// The version in `If-Match: "<n>"`, if the header is there. `Err` when it is there but unreadable.
#[allow(clippy::result_large_err)]
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, Response> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .map(|s| s.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|s| s.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "If-Match must be a settings version in quotes, as the ETag gave it",
            )
        })
}

async fn get_settings(State(state): State<AppState>, _admin: AdminSession) -> Response {
    match settings::current(&state) {
        Ok((version, settings)) => (
            [etag(version)],
            Json(VersionedSettings { version, settings }),
        )
            .into_response(),
        Err(e) => internal(e),
    }
}

fn saved(state: &AppState, result: Result<u64, SaveError>) -> Response {
    match result {
        Ok(version) => match settings::current(state) {
            Ok((_, settings)) => (
                [etag(version)],
                Json(VersionedSettings { version, settings }),
            )
                .into_response(),
            Err(e) => internal(e),
        },
        Err(e @ SaveError::Conflict { .. }) => {
            error(StatusCode::PRECONDITION_FAILED, e.to_string())
        }
        Err(SaveError::Refused(details)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(SettingsRefused {
                error: format!(
                    "nothing was saved: the settings have {} problem(s)",
                    details.len()
                ),
                problems: details.iter().map(ToString::to_string).collect(),
                details,
            }),
        )
            .into_response(),
        Err(e @ SaveError::Vendor(_)) => {
            error(StatusCode::BAD_GATEWAY, format!("nothing was saved: {e}"))
        }
        Err(SaveError::Store(e)) => internal(e),
    }
}

/// `PUT /admin/v1/settings` with `{version, settings}`: `version` (or `If-Match`) is the version the
/// edit started from; it is required (a save without it could overwrite another admin's change).
async fn put_settings(
    State(state): State<AppState>,
    admin: AdminSession,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = match if_match(&headers) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let body: VersionedSettings = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if base.is_some_and(|b| b != body.version) {
        return error(
            StatusCode::BAD_REQUEST,
            "If-Match and the body's version disagree; send one version",
        );
    }
    let result = settings::save(
        &state,
        Some(body.version),
        body.settings,
        &admin.agent.email,
    )
    .await;
    saved(&state, result)
}

async fn export(State(state): State<AppState>, _admin: AdminSession) -> Response {
    match settings::export(&state) {
        Ok(file) => (
            [
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"ccai-server-settings.json\"".to_owned(),
                ),
                etag(file.settings_version),
            ],
            Json(file),
        )
            .into_response(),
        Err(e) => internal(e),
    }
}

/// `POST /admin/v1/settings/import`: a whole file, checked whole; with any problem nothing changes.
/// `If-Match` is honoured when sent.
async fn import(
    State(state): State<AppState>,
    admin: AdminSession,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = match if_match(&headers) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let text = String::from_utf8_lossy(&body);
    let sync = match settings::read_file(&text) {
        Ok(s) => s,
        Err(problem) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(SettingsRefused {
                    error: "nothing was imported: the file cannot be read".into(),
                    problems: vec![problem],
                    details: Vec::new(),
                }),
            )
                .into_response()
        }
    };
    let result = settings::save(&state, base, sync, &admin.agent.email).await;
    saved(&state, result)
}

/// A vendor that could not be read: 502, with the vendor and what failed in words.
fn vendor_failed(e: &VendorError) -> Response {
    error(StatusCode::BAD_GATEWAY, e.to_string())
}

/// `GET /admin/v1/catalogs/kustomer`: Kustomer's routing statuses (B7), read live with the API key,
/// for the mapping editor's rows.
async fn kustomer_statuses(State(state): State<AppState>, _admin: AdminSession) -> Response {
    match catalogs::kustomer_statuses(&state).await {
        Ok(list) => Json(list.iter().cloned().collect::<Vec<_>>()).into_response(),
        Err(e) => vendor_failed(&e),
    }
}

/// `GET /admin/v1/catalogs/ccai`: CCAI's user statuses (A9), read live through the company's budget,
/// for the mapping editor's choices.
async fn ccai_statuses(State(state): State<AppState>, _admin: AdminSession) -> Response {
    match catalogs::ccai_statuses(&state).await {
        Ok(list) => Json(list.iter().cloned().collect::<Vec<_>>()).into_response(),
        Err(e) => vendor_failed(&e),
    }
}

/// `GET /admin/v1/checks`: the server's own check of both vendors with the company's credentials
/// (`preflight::admin_checks`). Always 200 when the server could ask: a vendor's refusal is the
/// answer's content, not this request's failure.
async fn vendor_checks(State(state): State<AppState>, _admin: AdminSession) -> Response {
    Json(preflight::admin_checks(&state).await).into_response()
}

/// `POST /admin/v1/fields` (F1): creates in Kustomer the custom fields that are missing and records
/// every field's creation time in the settings (F2) as the next version.
async fn create_fields(
    State(state): State<AppState>,
    admin: AdminSession,
    body: Bytes,
) -> Response {
    let body: CreateFields = if body.is_empty() {
        CreateFields::default()
    } else {
        match parse_json(&body) {
            Ok(b) => b,
            Err(r) => return r,
        }
    };
    let outcome = match fields::create_missing(&state, &body.display_names).await {
        Ok(o) => o,
        Err(e) => return vendor_failed(&e),
    };
    let recorded = match settings::current(&state) {
        Ok((version, s)) if s.fields == outcome.fields => Ok(version),
        Ok(_) => {
            let made = outcome.fields.clone();
            settings::update(&state, &admin.agent.email, move |s| s.fields = made.clone()).await
        }
        Err(e) => return internal(e),
    };
    match recorded {
        Ok(_) => match settings::current(&state) {
            Ok((version, settings)) => (
                [etag(version)],
                Json(FieldsCreated {
                    created: outcome.created,
                    existing: outcome.existing,
                    fields: outcome.fields,
                    settings: VersionedSettings { version, settings },
                }),
            )
                .into_response(),
            Err(e) => internal(e),
        },
        // The fields exist in Kustomer now; only their record in the settings failed.
        Err(e) => saved(&state, Err(e)),
    }
}

async fn agents(State(state): State<AppState>, _admin: AdminSession) -> Response {
    match state.0.store.signed_in_agents(crate::now_ms()) {
        Ok(list) => Json(
            list.into_iter()
                .map(|a| {
                    serde_json::json!({
                        "email": a.email,
                        "name": a.name,
                        "kustomer_user_id": a.kustomer_user_id,
                        "ccai_agent_id": a.ccai_agent_id,
                        "push_connections": state.0.hub.connections_of(&a.email),
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => internal(e),
    }
}

async fn sign_out(
    State(state): State<AppState>,
    admin: AdminSession,
    Path(email): Path<String>,
) -> Response {
    let reason = format!("signed out by an admin ({})", admin.agent.email);
    match session::sign_out_agent(
        &state,
        &email.trim().to_lowercase(),
        &reason,
        crate::now_ms(),
    ) {
        Ok(n) => Json(serde_json::json!({ "sessions_signed_out": n })).into_response(),
        Err(e) => internal(e),
    }
}
