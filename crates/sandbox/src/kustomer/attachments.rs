//! Attachments (API-NOTES B14): `POST /v1/attachments {name, contentType, contentLength}` → 201
//! `{data: {id, …}, meta: {upload: {url, fields}}}`; the file goes by a multipart POST to `url` with
//! `fields`, the file last as `file` → 204; a message or note then references it as
//! `attachments: [{_id, name, contentType, contentLength}]`. A hosted file is referenced by
//! `externalUrl` (HTTPS) instead, with `renderMode` `default` or `metadata_only`.
//!
//! The upload URL plays the storage service Kustomer hands out (`{base}/uploads/kustomer`, no bearer:
//! the form's fields are the permission). Not documented, the sandbox's choices: the fields are `key`,
//! `Content-Type` and `Policy` (a secret per attachment); the file must be exactly `contentLength`
//! bytes; upload errors are JSON `{message}` (400, or 403 for a wrong `Policy`); a reference to an
//! attachment not yet uploaded is a 400; `externalUrl` is also accepted on `POST /v1/attachments`.

use std::collections::HashMap;

use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::jsonapi;
use super::model::{Attachment, KustomerState, Upload};
use super::oauth::random_token;
use crate::state::{iso_now, App};

fn upload_json(u: &Upload) -> Value {
    jsonapi::resource(
        "attachment",
        &u.id,
        json!({
            "name": u.name,
            "contentType": u.content_type,
            "contentLength": u.content_length,
            "uploaded": u.uploaded.is_some(),
            "createdAt": u.created_at,
        }),
    )
}

pub async fn create(
    State(app): State<App>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let attrs = jsonapi::attributes(&body);
    let text = |k: &str| attrs.get(k).and_then(Value::as_str).map(str::to_owned);
    let (Some(name), Some(content_type), Some(length)) = (
        text("name"),
        text("contentType"),
        attrs.get("contentLength").and_then(Value::as_u64),
    ) else {
        return jsonapi::error(
            StatusCode::BAD_REQUEST,
            "an attachment needs name, contentType and contentLength (bytes)",
        );
    };
    let external = text("externalUrl");
    if external
        .as_deref()
        .is_some_and(|u| !u.starts_with("https://"))
    {
        return jsonapi::error(
            StatusCode::BAD_REQUEST,
            "externalUrl must be an https:// URL",
        );
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut st = app.lock();
    let id = st.kustomer.new_id('f');
    let u = Upload {
        id: id.clone(),
        name,
        content_type,
        content_length: length,
        token: random_token(),
        uploaded: external.as_ref().map(|_| length),
        created_at: iso_now(),
    };
    let data = upload_json(&u);
    let meta = match external {
        Some(_) => json!({}),
        None => json!({ "upload": {
            "url": format!("http://{host}/uploads/kustomer"),
            "fields": { "key": format!("attachments/{id}"), "Content-Type": u.content_type, "Policy": u.token },
        }}),
    };
    st.kustomer.uploads.insert(id, u);
    jsonapi::with_meta(StatusCode::CREATED, data, meta)
}

fn upload_error(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(json!({ "message": text.into() }))).into_response()
}

/// `POST {base}/uploads/kustomer`: the multipart form from `meta.upload`, the file last as `file`.
pub async fn upload(State(app): State<App>, mut form: Multipart) -> Response {
    let mut fields = HashMap::new();
    let mut file = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return upload_error(
                    StatusCode::BAD_REQUEST,
                    format!("malformed multipart body: {e}"),
                )
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if file.is_some() {
            return upload_error(StatusCode::BAD_REQUEST, "the file must be the last field");
        }
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return upload_error(
                    StatusCode::BAD_REQUEST,
                    format!("malformed multipart body: {e}"),
                )
            }
        };
        if name == "file" {
            file = Some(bytes);
        } else {
            fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    let Some(file) = file else {
        return upload_error(StatusCode::BAD_REQUEST, "no file field");
    };
    let Some(id) = fields
        .get("key")
        .and_then(|k| k.strip_prefix("attachments/"))
    else {
        return upload_error(StatusCode::BAD_REQUEST, "missing key field");
    };
    let mut st = app.lock();
    let Some(u) = st.kustomer.uploads.get_mut(id) else {
        return upload_error(StatusCode::FORBIDDEN, "unknown key");
    };
    if fields.get("Policy") != Some(&u.token) {
        return upload_error(
            StatusCode::FORBIDDEN,
            "the Policy field does not match this key",
        );
    }
    let len = file.len() as u64;
    if len != u.content_length {
        return upload_error(
            StatusCode::BAD_REQUEST,
            format!(
                "the file has {len} bytes, the attachment declared {}",
                u.content_length
            ),
        );
    }
    u.uploaded = Some(len);
    StatusCode::NO_CONTENT.into_response()
}

/// The `attachments` of a message or note: `[{_id, …}]` of uploaded attachments, or `[{externalUrl,
/// name, contentType, renderMode}]` hosted files. Returns the conversation's attachment records.
pub fn resolve(k: &mut KustomerState, attrs: &Value) -> Result<Vec<Attachment>, String> {
    let Some(list) = attrs.get("attachments") else {
        return Ok(Vec::new());
    };
    let Some(list) = list.as_array() else {
        return Err("attachments must be a list".into());
    };
    let now = iso_now();
    let mut out = Vec::new();
    for item in list {
        let text = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_owned);
        if let Some(id) = text("_id") {
            let Some(u) = k.uploads.get(&id) else {
                return Err(format!("attachment {id} not found"));
            };
            let Some(size) = u.uploaded else {
                return Err(format!("attachment {id} has not been uploaded yet"));
            };
            out.push(Attachment {
                id,
                name: u.name.clone(),
                content_type: u.content_type.clone(),
                size,
                url: String::new(),
                created_at: now.clone(),
            });
        } else if let Some(url) = text("externalUrl") {
            if !url.starts_with("https://") {
                return Err("externalUrl must be an https:// URL".into());
            }
            if let Some(mode) = text("renderMode") {
                if mode != "default" && mode != "metadata_only" {
                    return Err("renderMode must be default or metadata_only".into());
                }
            }
            out.push(Attachment {
                id: k.new_id('f'),
                name: text("name").unwrap_or_else(|| url.clone()),
                content_type: text("contentType")
                    .unwrap_or_else(|| "application/octet-stream".into()),
                size: item
                    .get("contentLength")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
                url,
                created_at: now.clone(),
            });
        } else {
            return Err("each attachment needs _id (uploaded) or externalUrl (hosted)".into());
        }
    }
    Ok(out)
}
