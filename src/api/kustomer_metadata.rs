//! Kustomer's admin-side configuration that the options page reads and writes: custom attribute
//! metadata (F1, `GET`/`PUT /v1/metadata/{resource}`) and, for SPEC S9's checks, team routing settings
//! (`GET /v1/routing/settings`) and teams (`GET /v1/teams`). API-NOTES.md; the sandbox's shapes are in
//! `crates/sandbox/src/kustomer/{metadata,teams}.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::kustomer::{all_pages, Document, Resource};
use crate::config::Config;
use crate::http::{Call, HttpError};

#[derive(Deserialize)]
struct MetadataAttributes {
    #[serde(default)]
    properties: BTreeMap<String, FieldDef>,
}

/// One custom attribute's definition as the metadata API describes it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDef {
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewField {
    display_name: String,
}

#[derive(Serialize)]
struct MetadataPatch {
    properties: BTreeMap<String, NewField>,
}

/// Team routing settings: one record per team, addressed by the team id.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingSetting {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub external_queues: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TeamAttributes {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub members: Vec<String>,
}

pub struct Team {
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
}

fn call(config: &Config, method: &'static str, path: &str) -> Call {
    super::kustomer::call(config, method, super::kustomer::url(config, path))
}

/// The custom attributes defined on `resource` (e.g. `conversation`), by name.
pub async fn fields(
    config: &Config,
    resource: &str,
) -> Result<BTreeMap<String, FieldDef>, HttpError> {
    let path = format!("/v1/metadata/{}", js_sys::encode_uri_component(resource));
    let doc: Document<Resource<MetadataAttributes>> =
        call(config, "GET", &path).send::<(), _>(None).await?;
    Ok(doc.data.attributes.properties)
}

/// Defines the named attributes on `resource` (name → display name) and returns every definition
/// after the write. Kustomer merges: attributes not named are left alone.
pub async fn define(
    config: &Config,
    resource: &str,
    new: &[(&str, String)],
) -> Result<BTreeMap<String, FieldDef>, HttpError> {
    let path = format!("/v1/metadata/{}", js_sys::encode_uri_component(resource));
    let properties = new
        .iter()
        .map(|(name, display)| {
            (
                name.to_string(),
                NewField {
                    display_name: display.clone(),
                },
            )
        })
        .collect();
    let body = MetadataPatch { properties };
    let doc: Document<Resource<MetadataAttributes>> =
        call(config, "PUT", &path).send(Some(&body)).await?;
    Ok(doc.data.attributes.properties)
}

/// Team routing settings by team id.
pub async fn routing_settings(config: &Config) -> Result<Vec<(String, RoutingSetting)>, HttpError> {
    let all = all_pages::<RoutingSetting>(config, "/v1/routing/settings", 20).await?;
    Ok(all.into_iter().map(|r| (r.id, r.attributes)).collect())
}

pub async fn teams(config: &Config) -> Result<Vec<Team>, HttpError> {
    let all = all_pages::<TeamAttributes>(config, "/v1/teams", 20).await?;
    Ok(all
        .into_iter()
        .map(|r| Team {
            id: r.id,
            name: r.attributes.name,
            members: r.attributes.members,
        })
        .collect())
}

/// The API key's user (shared with the adapter's Kustomer client).
pub use super::kustomer::current_user;
