//! JSON:API framing as Kustomer uses it (API-NOTES B1, B5), the sandbox's one place for it: resources
//! `{type, id, attributes, relationships}`, documents `{"data": …, "links": …, "meta": …}`, pages, and
//! errors `{"errors": [{"status", "title", "detail"}]}`. Handlers build only their attributes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// A Kustomer error answer.
pub fn error(status: StatusCode, detail: impl Into<String>) -> Response {
    let body = json!({
        "errors": [{
            "status": status.as_u16().to_string(),
            "title": status.canonical_reason().unwrap_or("Error"),
            "detail": detail.into(),
        }]
    });
    (status, Json(body)).into_response()
}

pub fn not_found(what: &str, id: &str) -> Response {
    error(StatusCode::NOT_FOUND, format!("{what} {id} not found"))
}

/// A resource object without relationships.
pub fn resource(kind: &str, id: &str, attributes: Value) -> Value {
    json!({ "type": kind, "id": id, "attributes": attributes })
}

/// A resource object with relationships: `(name, kind, id)` each, to one resource.
pub fn related(kind: &str, id: &str, attributes: Value, to: &[(&str, &str, &str)]) -> Value {
    let mut r = resource(kind, id, attributes);
    let rels: serde_json::Map<String, Value> = to
        .iter()
        .map(|(name, kind, id)| ((*name).to_owned(), json!({ "data": link(kind, id) })))
        .collect();
    r["relationships"] = Value::Object(rels);
    r
}

/// A resource identifier `{type, id}` (relationships' `data`).
pub fn link(kind: &str, id: &str) -> Value {
    json!({ "type": kind, "id": id })
}

pub fn one(data: Value) -> Response {
    Json(json!({ "data": data })).into_response()
}

pub fn created(data: Value) -> Response {
    (StatusCode::CREATED, Json(json!({ "data": data }))).into_response()
}

/// A document with `meta` beside its `data`.
pub fn with_meta(status: StatusCode, data: Value, meta: Value) -> Response {
    (status, Json(json!({ "data": data, "meta": meta }))).into_response()
}

/// Query parameters of a paginated list. Kustomer counts pages from 1.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    pub page: Option<usize>,
    pub page_size: Option<usize>,
}

/// One page of `items` (API-NOTES B5): `meta {pageSize, page, total, totalPages}` and `links {self,
/// first, prev, next, last}`, the links origin-relative paths (`/kapi/v1/…`) as real Kustomer answers
/// with `/v1/…` on its own origin: a client resolves them against the origin. `pageSize` is capped at
/// `max` (B5: typically 100).
///
/// `path` is the list's path with its other query parameters (e.g. `/kapi/v1/conversations?status=open`).
pub fn page_capped(
    items: Vec<Value>,
    query: &PageQuery,
    default_size: usize,
    max: usize,
    path: &str,
) -> Response {
    let size = query.page_size.unwrap_or(default_size).clamp(1, max);
    let page = query.page.unwrap_or(1).max(1);
    let total = items.len();
    let total_pages = total.div_ceil(size).max(1);
    let start = (page - 1).saturating_mul(size).min(total);
    let end = (start + size).min(total);
    let data: Vec<Value> = items.into_iter().skip(start).take(end - start).collect();
    let sep = if path.contains('?') { '&' } else { '?' };
    let link = |p: usize| Value::String(format!("{path}{sep}page={p}&pageSize={size}"));
    let next = if end < total {
        link(page + 1)
    } else {
        Value::Null
    };
    let prev = if page > 1 {
        link(page - 1)
    } else {
        Value::Null
    };
    Json(json!({
        "data": data,
        "links": { "self": link(page), "first": link(1), "prev": prev, "next": next, "last": link(total_pages) },
        "meta": { "page": page, "pageSize": size, "total": total, "totalPages": total_pages },
    }))
    .into_response()
}

/// [`page_capped`] with the sandbox's older, looser cap (1,000) for the lists that had it.
pub fn page(items: Vec<Value>, query: &PageQuery, default_size: usize, path: &str) -> Response {
    page_capped(items, query, default_size, 1000, path)
}

/// Reads a JSON:API request body: `{"data": {"attributes": {…}}}` or, as Kustomer also accepts, the
/// attributes object itself.
pub fn attributes(body: &Value) -> Value {
    body.get("data")
        .and_then(|d| d.get("attributes"))
        .cloned()
        .unwrap_or_else(|| body.clone())
}
