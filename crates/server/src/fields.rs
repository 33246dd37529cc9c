//! F1's custom fields, created in Kustomer for the admin with the company's API key (B15: `GET` and
//! `PUT /v1/metadata/{resource}`), so the admin's browser never calls Kustomer. Only the missing fields
//! are sent: a second run reads, finds them all and writes nothing. Each field's `createdAt` is kept
//! (F2: data is written only for sessions that start after a field exists).

use std::collections::BTreeMap;

use ccai_core::records::fields::{resource_of, ALL};
use ccai_core::settings::CreatedField;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;

use crate::state::AppState;
use crate::vendor::{self, VendorError, KUSTOMER};

/// What one run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub created: usize,
    pub existing: usize,
    pub fields: Vec<CreatedField>,
}

#[derive(Deserialize)]
struct Document {
    data: Resource,
}
#[derive(Deserialize)]
struct Resource {
    attributes: Attributes,
}
#[derive(Deserialize)]
struct Attributes {
    #[serde(default)]
    properties: BTreeMap<String, Definition>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Definition {
    #[serde(default)]
    created_at: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewField {
    display_name: String,
}
#[derive(Serialize)]
struct Patch {
    properties: BTreeMap<String, NewField>,
}

fn metadata_url(state: &AppState, resource: &str) -> String {
    format!("{}/v1/metadata/{resource}", state.0.cfg.kustomer_api)
}

async fn definitions(
    state: &AppState,
    resource: &str,
) -> Result<BTreeMap<String, Definition>, VendorError> {
    let req = state
        .0
        .http
        .get(metadata_url(state, resource))
        .bearer_auth(&state.0.cfg.kustomer_api_key);
    let (doc, _): (Document, _) = vendor::json(KUSTOMER, "GET metadata", req).await?;
    Ok(doc.data.attributes.properties)
}

/// How many of the F1 fields exist in Kustomer now, of how many F1 needs (a read only; the admin's
/// check, `GET /admin/v1/checks`).
pub async fn present(state: &AppState) -> Result<(usize, usize), VendorError> {
    let mut found = 0;
    for resource in ["conversation", "customer"] {
        let defs = definitions(state, resource).await?;
        found += ALL
            .iter()
            .filter(|n| resource_of(n) == resource && defs.contains_key(**n))
            .count();
    }
    Ok((found, ALL.len()))
}

/// Creates the F1 fields Kustomer does not have yet, named `display_names` in Kustomer (a field
/// without one shows its own name), and returns every F1 field with its creation time.
pub async fn create_missing(
    state: &AppState,
    display_names: &BTreeMap<String, String>,
) -> Result<Outcome, VendorError> {
    let mut out = Outcome {
        created: 0,
        existing: 0,
        fields: Vec::new(),
    };
    for resource in ["conversation", "customer"] {
        let wanted: Vec<&str> = ALL
            .iter()
            .copied()
            .filter(|n| resource_of(n) == resource)
            .collect();
        let mut defs = definitions(state, resource).await?;
        let missing: BTreeMap<String, NewField> = wanted
            .iter()
            .filter(|n| !defs.contains_key(**n))
            .map(|n| {
                let shown = display_names
                    .get(*n)
                    .map(|d| d.trim())
                    .filter(|d| !d.is_empty())
                    .unwrap_or(n);
                (
                    (*n).to_owned(),
                    NewField {
                        display_name: shown.to_owned(),
                    },
                )
            })
            .collect();
        out.existing += wanted.len() - missing.len();
        if !missing.is_empty() {
            let count = missing.len();
            let req = state
                .0
                .http
                .put(metadata_url(state, resource))
                .bearer_auth(&state.0.cfg.kustomer_api_key)
                .json(&Patch {
                    properties: missing,
                });
            let (doc, _): (Document, _) = vendor::json(KUSTOMER, "PUT metadata", req).await?;
            defs = doc.data.attributes.properties;
            out.created += count;
        }
        // Not documented: whether every tenant's metadata says when a field was created (B15 does not
        // list `createdAt`). Without it, the time we first saw the field: later, never earlier, so F2
        // can only skip data, never write into a field made after the session started.
        let now = time::OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default();
        for name in wanted {
            let created_at = defs
                .get(name)
                .and_then(|d| d.created_at.clone())
                .unwrap_or_else(|| now.clone());
            out.fields.push(CreatedField {
                resource: resource.to_owned(),
                name: name.to_owned(),
                created_at,
            });
        }
    }
    Ok(out)
}
