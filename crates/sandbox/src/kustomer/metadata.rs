//! Custom attribute metadata: `GET /v1/metadata/{resource}` and its update, which the options page uses
//! to create the F1 fields (issue 7).
//!
//! Sandbox decisions (the real docs are thin here): the answer is
//! `{"data": {"type": "metadata", "id": resource, "attributes": {"properties": {name: {displayName,
//! type, createdAt, updatedAt}}}}}`. PUT and PATCH both merge `{"properties": {name: {"displayName"}}}`
//! into the definitions and never delete one, so "Create" run twice changes nothing: an existing field
//! keeps its `createdAt` (F2 depends on it). `meta` lists what was created, updated and unchanged.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Map, Value};

use super::custom::type_of;
use super::jsonapi;
use super::model::FieldDef;
use crate::state::{iso_now, App};

const RESOURCES: &[&str] = &["customer", "company", "conversation", "message", "kobject"];

fn metadata_json(resource: &str, defs: &std::collections::BTreeMap<String, FieldDef>) -> Value {
    let properties: Map<String, Value> = defs
        .iter()
        .map(|(name, d)| {
            let def = json!({
                "displayName": d.display_name,
                "type": type_of(name),
                "createdAt": d.created_at,
                "updatedAt": d.updated_at,
            });
            (name.clone(), def)
        })
        .collect();
    jsonapi::resource("metadata", resource, json!({ "properties": properties }))
}

pub async fn get_one(State(app): State<App>, Path(resource): Path<String>) -> Response {
    let st = app.lock();
    match st.kustomer.metadata.get(&resource) {
        Some(defs) => jsonapi::one(metadata_json(&resource, defs)),
        None => jsonapi::not_found("metadata resource", &resource),
    }
}

pub async fn update(
    State(app): State<App>,
    Path(resource): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if !RESOURCES.contains(&resource.as_str()) {
        return jsonapi::not_found("metadata resource", &resource);
    }
    let attrs = jsonapi::attributes(&body);
    let Some(props) = attrs.get("properties").and_then(Value::as_object) else {
        return jsonapi::error(
            StatusCode::BAD_REQUEST,
            "body must be {\"properties\": {\"<name>\": {\"displayName\": \"…\"}}}",
        );
    };
    for name in props.keys() {
        if type_of(name).is_none() {
            let detail = format!("'{name}' is not a custom attribute name: camelCase ending in Str, Txt, Num, At, Bool, Url or Id");
            return jsonapi::error(StatusCode::BAD_REQUEST, detail);
        }
    }
    let now = iso_now();
    let (mut created, mut updated, mut unchanged) = (Vec::new(), Vec::new(), Vec::new());
    let mut st = app.lock();
    let defs = st.kustomer.metadata.entry(resource.clone()).or_default();
    for (name, spec) in props {
        let display = spec
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or(name)
            .to_owned();
        match defs.get_mut(name) {
            Some(d) if d.display_name == display => unchanged.push(name.clone()),
            Some(d) => {
                d.display_name = display;
                d.updated_at = now.clone();
                updated.push(name.clone());
            }
            None => {
                let def = FieldDef {
                    display_name: display,
                    created_at: now.clone(),
                    updated_at: now.clone(),
                };
                defs.insert(name.clone(), def);
                created.push(name.clone());
            }
        }
    }
    let data = metadata_json(&resource, defs);
    drop(st);
    app.push(super::records_event(None));
    let meta = json!({ "created": created, "updated": updated, "unchanged": unchanged });
    jsonapi::with_meta(StatusCode::OK, data, meta)
}
