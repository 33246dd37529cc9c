//! Customers: the list (B5), look-ups (B9, `lookup.rs`), create, read, update, and a customer's
//! conversations.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Map, Value};

use super::conversations::conversation_json;
use super::customer_index::{email_key, external_id_key, phone_key};
use super::jsonapi::{self, PageQuery};
use super::model::{Customer, KustomerState};
use super::{custom, records_event};
use crate::state::{iso_now, App};

pub fn customer_json(c: &Customer) -> Value {
    jsonapi::resource(
        "customer",
        &c.id,
        json!({
            "name": c.name,
            "displayName": c.name,
            "emails": c.emails.iter().map(|e| json!({ "email": e, "type": "other" })).collect::<Vec<_>>(),
            "phones": c.phones.iter().map(|(p, t)| json!({ "phone": p, "type": t })).collect::<Vec<_>>(),
            "externalIds": c.external_ids.iter().map(|x| json!({ "externalId": x })).collect::<Vec<_>>(),
            "custom": c.custom,
            "assignedUsers": c.assigned_users,
            "createdAt": c.created_at,
            "updatedAt": c.updated_at,
        }),
    )
}

/// Digits only, without an international prefix marker (`+` is dropped by digit filtering; `00` here).
pub fn digits(s: &str) -> String {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    d.strip_prefix("00").map(str::to_owned).unwrap_or(d)
}

/// The phone look-up's rule (B9 leaves the format open): digits only, ignoring formatting and a leading
/// `+` or `00`; a national number matches an international one ending with it (both ≥ 9 digits), so
/// `+34612345678` finds both "+34 612 34 56 78" and "612 345 678".
pub fn phone_matches(stored: &str, query: &str) -> bool {
    let (a, b) = (digits(stored), digits(query));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a == b || (a.len().min(b.len()) >= 9 && (a.ends_with(&b) || b.ends_with(&a)))
}

/// `GET /v1/customers` (B5): paged; `filter[createdAt|updatedAt][gte|gt|lte|lt]=<ISO 8601>` and
/// `sort=createdAt|-createdAt|updatedAt|-updatedAt`. Not documented: the operators beyond B5's
/// examples (`createdAt` `gte`, `updatedAt` `lt`), the comparison (the sandbox compares the ISO 8601
/// text, so send `…T…Z` as Kustomer writes it) and the default order (the sandbox: last updated
/// first). Other parameters are not filters and are ignored.
pub async fn list(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
    Query(page): Query<PageQuery>,
) -> Response {
    let mut bounds = Vec::new();
    for (key, value) in &q {
        let Some(rest) = key.strip_prefix("filter[") else {
            continue;
        };
        let parsed = rest
            .strip_suffix(']')
            .and_then(|r| r.split_once("]["))
            .filter(|(f, op)| {
                ["createdAt", "updatedAt"].contains(f) && ["gte", "gt", "lte", "lt"].contains(op)
            });
        let Some((field, op)) = parsed else {
            let detail =
                format!("unknown filter {key}: use filter[createdAt|updatedAt][gte|gt|lte|lt]");
            return jsonapi::error(StatusCode::BAD_REQUEST, detail);
        };
        bounds.push((field.to_owned(), op.to_owned(), value.clone()));
    }
    let st = app.lock();
    let mut found: Vec<&Customer> = st
        .kustomer
        .customers
        .iter()
        .filter(|c| {
            bounds.iter().all(|(field, op, v)| {
                let at = if field == "createdAt" {
                    &c.created_at
                } else {
                    &c.updated_at
                };
                match op.as_str() {
                    "gte" => at >= v,
                    "gt" => at > v,
                    "lte" => at <= v,
                    _ => at < v,
                }
            })
        })
        .collect();
    found.reverse();
    match q.get("sort").map(String::as_str) {
        Some("createdAt") => found.sort_by(|a, b| a.created_at.cmp(&b.created_at)),
        Some("-createdAt") => found.sort_by(|a, b| b.created_at.cmp(&a.created_at)),
        Some("updatedAt") => found.sort_by(|a, b| a.updated_at.cmp(&b.updated_at)),
        None | Some("-updatedAt") => found.sort_by(|a, b| b.updated_at.cmp(&a.updated_at)),
        Some(other) => {
            let detail =
                format!("unknown sort {other}: use createdAt, -createdAt, updatedAt or -updatedAt");
            return jsonapi::error(StatusCode::BAD_REQUEST, detail);
        }
    }
    let items = found.into_iter().map(customer_json).collect();
    let mut pairs: Vec<(&str, &str)> = q
        .iter()
        .filter(|(k, _)| k.as_str() != "page" && k.as_str() != "pageSize")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.sort();
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let path = if query.is_empty() {
        "/kapi/v1/customers".to_owned()
    } else {
        format!("/kapi/v1/customers?{query}")
    };
    jsonapi::page(items, &page, 100, &path)
}

/// `GET /v1/customers/{id}`, and the look-ups that share its path (B9): `phone={phone}`,
/// `email={email}`, `externalId={externalId}`.
pub async fn get_one(State(app): State<App>, Path(id): Path<String>) -> Response {
    if let Some(res) = super::lookup::by_key(&app, &id) {
        return res;
    }
    let st = app.lock();
    match st.kustomer.customer(&id) {
        Some(c) => jsonapi::one(customer_json(c)),
        None => jsonapi::not_found("customer", &id),
    }
}

/// `assignedUsers`: Kustomer user ids (strings); anything else in the list is dropped.
fn assigned_users(attrs: &Value) -> Option<Vec<String>> {
    let list = attrs.get("assignedUsers")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|u| u.as_str().map(str::to_owned))
            .collect(),
    )
}

fn emails(attrs: &Value) -> Option<Vec<String>> {
    let list = attrs.get("emails")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|e| {
                e.get("email")
                    .and_then(Value::as_str)
                    .or(e.as_str())
                    .map(str::to_owned)
            })
            .collect(),
    )
}

fn phones(attrs: &Value) -> Option<Vec<(String, String)>> {
    let list = attrs.get("phones")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|p| {
                let number = p.get("phone").and_then(Value::as_str).or(p.as_str())?;
                let kind = p.get("type").and_then(Value::as_str).unwrap_or("other");
                Some((number.to_owned(), kind.to_owned()))
            })
            .collect(),
    )
}

fn external_ids(attrs: &Value) -> Option<Vec<String>> {
    let list = attrs.get("externalIds")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|x| {
                x.get("externalId")
                    .and_then(Value::as_str)
                    .or(x.as_str())
                    .map(str::to_owned)
            })
            .collect(),
    )
}

/// B10: e-mails, phones and external ids are unique across the org; a write that would give `c` one
/// that another customer holds is refused. Not documented: the status code (the sandbox answers 409)
/// and how values compare (the sandbox: e-mails case-insensitively, phones and external ids exactly as
/// written, surrounding spaces ignored; so "+34 633 00 01 11" and "+34 633 000 111" may coexist).
fn unique(k: &KustomerState, c: &Customer) -> Result<(), Response> {
    unique_values(k, &c.id, &c.emails, &c.phones, &c.external_ids)
}

fn unique_values(
    k: &KustomerState,
    id: &str,
    emails: &[String],
    phones: &[(String, String)],
    external_ids: &[String],
) -> Result<(), Response> {
    let keys: Vec<String> = emails
        .iter()
        .map(|e| email_key(e))
        .chain(phones.iter().map(|(p, _)| phone_key(p)))
        .chain(external_ids.iter().map(|x| external_id_key(x)))
        .collect();
    let candidates = k.customer_index.candidates(keys.iter().map(String::as_str));
    let others = candidates
        .into_iter()
        .filter_map(|i| k.customers.get(i))
        .filter(|o| o.id != id);
    for other in others {
        let clash = emails
            .iter()
            .find(|e| {
                other
                    .emails
                    .iter()
                    .any(|o| o.trim().eq_ignore_ascii_case(e.trim()))
            })
            .map(|e| format!("e-mail {e}"))
            .or_else(|| {
                phones
                    .iter()
                    .find(|(p, _)| other.phones.iter().any(|(o, _)| o.trim() == p.trim()))
                    .map(|(p, _)| format!("phone {p}"))
            })
            .or_else(|| {
                external_ids
                    .iter()
                    .find(|x| other.external_ids.iter().any(|o| o.trim() == x.trim()))
                    .map(|x| format!("external id {x}"))
            });
        if let Some(what) = clash {
            return Err(jsonapi::error(
                StatusCode::CONFLICT,
                format!("{what} already belongs to customer {}", other.id),
            ));
        }
    }
    Ok(())
}

fn custom_patch(attrs: &Value) -> Result<Map<String, Value>, Response> {
    match attrs.get("custom") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(jsonapi::error(
            StatusCode::BAD_REQUEST,
            "custom must be an object",
        )),
    }
}

pub async fn create(State(app): State<App>, Json(body): Json<Value>) -> Response {
    let attrs = jsonapi::attributes(&body);
    let patch = match custom_patch(&attrs) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let mut st = app.lock();
    if let Err(e) = custom::validate("customer", st.kustomer.metadata.get("customer"), &patch) {
        return jsonapi::error(StatusCode::BAD_REQUEST, e);
    }
    let now = iso_now();
    let id = st.kustomer.new_id('c');
    let mut c = Customer {
        id,
        name: attrs
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        emails: emails(&attrs).unwrap_or_default(),
        phones: phones(&attrs).unwrap_or_default(),
        external_ids: external_ids(&attrs).unwrap_or_default(),
        custom: Map::new(),
        assigned_users: assigned_users(&attrs).unwrap_or_default(),
        created_at: now.clone(),
        updated_at: now,
    };
    custom::merge(&mut c.custom, &patch);
    if let Err(res) = unique(&st.kustomer, &c) {
        return res;
    }
    let out = customer_json(&c);
    st.kustomer.add_customer(c);
    drop(st);
    app.push(records_event(None));
    jsonapi::created(out)
}

/// `PATCH /v1/customers/{id}`: the given attributes change (B10).
pub async fn update(
    State(app): State<App>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    write(&app, id, &body, false)
}

/// `PUT /v1/customers/{id}`: replaces (B10: "omitting `company` unlinks it"). What the body omits is
/// emptied: name, e-mails, phones, external ids, custom attributes, assignees.
pub async fn replace(
    State(app): State<App>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    write(&app, id, &body, true)
}

/// A list attribute after a write: the given one, else emptied by a PUT or kept by a PATCH.
fn kept<T: Clone>(given: Option<Vec<T>>, old: &[T], replace: bool) -> Vec<T> {
    match given {
        Some(v) => v,
        None if replace => Vec::new(),
        None => old.to_vec(),
    }
}

fn write(app: &App, id: String, body: &Value, replace: bool) -> Response {
    let attrs = jsonapi::attributes(body);
    let patch = match custom_patch(&attrs) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let mut st = app.lock();
    if let Err(e) = custom::validate("customer", st.kustomer.metadata.get("customer"), &patch) {
        return jsonapi::error(StatusCode::BAD_REQUEST, e);
    }
    let k = &mut st.kustomer;
    let Some(i) = k.customer_index.position(&id) else {
        return jsonapi::not_found("customer", &id);
    };
    let new_emails = kept(emails(&attrs), &k.customers[i].emails, replace);
    let new_phones = kept(phones(&attrs), &k.customers[i].phones, replace);
    let new_external = kept(external_ids(&attrs), &k.customers[i].external_ids, replace);
    if let Err(res) = unique_values(k, &id, &new_emails, &new_phones, &new_external) {
        return res;
    }
    let c = &mut k.customers[i];
    if replace {
        c.name.clear();
        c.assigned_users.clear();
        c.custom.clear();
    }
    if let Some(name) = attrs.get("name").and_then(Value::as_str) {
        c.name = name.to_owned();
    }
    c.emails = new_emails;
    c.phones = new_phones;
    c.external_ids = new_external;
    if let Some(u) = assigned_users(&attrs) {
        c.assigned_users = u;
    }
    custom::merge(&mut c.custom, &patch);
    c.updated_at = iso_now();
    let out = customer_json(c);
    k.refile_customer(i);
    drop(st);
    app.push(records_event(None));
    jsonapi::one(out)
}

/// The customer's conversations, newest first (the record rules look at the most recent one).
pub async fn conversations(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(page): Query<PageQuery>,
) -> Response {
    let st = app.lock();
    if st.kustomer.customer(&id).is_none() {
        return jsonapi::not_found("customer", &id);
    }
    let mut list: Vec<_> = st
        .kustomer
        .conversations
        .iter()
        .filter(|c| c.customer_id == id)
        .collect();
    list.reverse();
    list.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    let items = list.into_iter().map(conversation_json).collect();
    jsonapi::page(
        items,
        &page,
        100,
        &format!("/kapi/v1/customers/{id}/conversations"),
    )
}
