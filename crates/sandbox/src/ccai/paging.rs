//! The Manager API's lists: pagination (API-NOTES A5) and tailing (A6), shared by `agents` (A10),
//! `agent_activity_logs` (A11) and `calls` (A17).
//!
//! A5: `page` and `per`, default 100, maximum 100 (a larger `per` is reduced to 100); the answer carries
//! an RFC 5988 `Link` header with `rel="next"` while more pages exist and `rel="last"`, plus `Total` and
//! `Per-Page` (the Chinese copies of the page; TAP reads `link`, `total`, `per-page`).
//! A6: `<column>[from]=<time>` with `sort_column` and `sort_direction` (TAP: always ASC).

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::agents::message;

/// A5: "Default 100; maximum 100".
pub const PER_DEFAULT: usize = 100;
pub const PER_MAX: usize = 100;

/// One item of a list: its id, the times it can be tailed and sorted by (Unix ms; `None` = not set),
/// and where it is (the caller renders only the page's items: lists grow long under a load test).
pub struct Row {
    pub id: i64,
    pub times: Vec<(&'static str, Option<i64>)>,
    pub index: usize,
}

impl Row {
    fn time(&self, column: &str) -> Option<i64> {
        self.times
            .iter()
            .find(|(c, _)| *c == column)
            .and_then(|(_, t)| *t)
    }
}

/// What a list request asks for.
pub struct ListQuery {
    pub page: usize,
    pub per: usize,
    /// `(column, from)`: keep rows whose column is at or after `from`.
    from: Vec<(String, i64)>,
    sort_column: Option<String>,
    descending: bool,
    /// Every pair as sent, for the `Link` URLs.
    pairs: Vec<(String, String)>,
}

impl ListQuery {
    /// Reads `page`, `per`, `<column>[from]`, `sort_column` and `sort_direction`. `columns` are the
    /// times this list can be tailed and sorted by (`id` sorts too). Other keys are left to the caller.
    pub fn parse(pairs: Vec<(String, String)>, columns: &[&str]) -> Result<ListQuery, Response> {
        let bad = |text: String| message(StatusCode::BAD_REQUEST, text);
        let get = |k: &str| pairs.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v);
        // Not documented: a page or per that is not a positive integer; the sandbox answers 400 rather
        // than guess (a client that sends one has a bug worth seeing).
        let number = |k: &str, default: usize| -> Result<usize, Response> {
            match get(k) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(format!("{k} must be a positive integer, got '{v}'"))),
            }
        };
        let page = number("page", 1)?;
        // A5: "larger `per` reduced to 100".
        let per = number("per", PER_DEFAULT)?.min(PER_MAX);
        let mut from = Vec::new();
        for (k, v) in &pairs {
            let Some(column) = k.strip_suffix("[from]") else {
                continue;
            };
            // Not documented: a `[from]` on a column the list cannot tail. 400, so that a client
            // never pages through a whole collection believing it tails.
            if !columns.contains(&column) {
                return Err(bad(format!(
                    "{column}[from] is not a filter of this list (tail by {})",
                    columns.join(", ")
                )));
            }
            from.push((column.to_owned(), parse_time(v).map_err(bad)?));
        }
        let sort_column = match get("sort_column") {
            None => None,
            Some(c) if c == "id" || columns.contains(&c.as_str()) => Some(c.clone()),
            Some(c) => {
                return Err(bad(format!(
                    "sort_column '{c}' is not a column of this list"
                )))
            }
        };
        // Not documented: the default direction (ASC here) and the spelling (either case).
        let descending = match get("sort_direction").map(|d| d.trim().to_ascii_uppercase()) {
            None => false,
            Some(d) if d == "ASC" => false,
            Some(d) if d == "DESC" => true,
            Some(d) => {
                return Err(bad(format!(
                    "sort_direction must be ASC or DESC, got '{d}'"
                )))
            }
        };
        Ok(ListQuery {
            page,
            per,
            from,
            sort_column,
            descending,
            pairs,
        })
    }

    /// The values of a list filter such as `id[]` (A10: `id[]`, `status_id[]`, …), as integers.
    pub fn ints(&self, key: &str) -> Result<Option<Vec<i64>>, Response> {
        let values: Vec<&String> = self
            .pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect();
        if values.is_empty() {
            return Ok(None);
        }
        values
            .into_iter()
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    message(
                        StatusCode::BAD_REQUEST,
                        format!("{key} must be integers, got '{v}'"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// Not documented (A6): accepted time formats. The sandbox takes RFC 3339 (`2026-12-06T10:00:00Z`,
/// fractions and offsets allowed; a `+` that arrived as a space is put back).
pub fn parse_time(v: &str) -> Result<i64, String> {
    let text = v.trim().replace(' ', "+");
    OffsetDateTime::parse(&text, &Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| format!("'{v}' is not an RFC 3339 time (e.g. 2026-12-06T10:00:00Z)"))
}

/// Filters, sorts and pages `rows`, renders the page's items, and adds A5's headers. `path` is the
/// list's path on this origin.
pub fn respond(
    mut rows: Vec<Row>,
    q: &ListQuery,
    path: &str,
    headers: &HeaderMap,
    render: impl Fn(usize) -> Value,
) -> Response {
    // Not documented (A6): whether `[from]` is inclusive. Inclusive here: a tailing client keeps the
    // last time it saw and de-duplicates by `id`, as A6 advises.
    rows.retain(|r| {
        q.from
            .iter()
            .all(|(c, from)| r.time(c).is_some_and(|t| t >= *from))
    });
    // Not documented: the order without `sort_column`; by `id` here. Ties break by `id`.
    match q.sort_column.as_deref() {
        None | Some("id") => rows.sort_by_key(|r| r.id),
        Some(c) => rows.sort_by_key(|r| (r.time(c), r.id)),
    }
    if q.descending {
        rows.reverse();
    }
    let total = rows.len();
    let last = total.div_ceil(q.per).max(1);
    let page: Vec<Value> = rows
        .into_iter()
        .skip((q.page - 1).saturating_mul(q.per))
        .take(q.per)
        .map(|r| render(r.index))
        .collect();
    let mut res = Json(Value::Array(page)).into_response();
    let h = res.headers_mut();
    let mut links = Vec::new();
    if q.page < last {
        links.push(format!(
            "<{}>; rel=\"next\"",
            page_url(q, path, headers, q.page + 1)
        ));
    }
    links.push(format!(
        "<{}>; rel=\"last\"",
        page_url(q, path, headers, last)
    ));
    if let Ok(v) = HeaderValue::from_str(&links.join(", ")) {
        h.insert(header::LINK, v);
    }
    h.insert("total", HeaderValue::from(total));
    h.insert("per-page", HeaderValue::from(q.per));
    res
}

/// The same request with another `page`, as an absolute URL on the host the client used.
fn page_url(q: &ListQuery, path: &str, headers: &HeaderMap, page: usize) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut pairs: Vec<(String, String)> = q
        .pairs
        .iter()
        .filter(|(k, _)| k != "page" && k != "per")
        .cloned()
        .collect();
    pairs.push(("page".into(), page.to_string()));
    pairs.push(("per".into(), q.per.to_string()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("http://{host}{path}?{query}")
}
