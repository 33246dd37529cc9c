//! The admin's sync settings (SPEC S3–S5, P2, F2, F4), kept in `chrome.storage.local` beside the
//! connection. The adapter reads them; the options page writes them.

use ccai_core::mapping::MappingEntry;
use ccai_core::reconcile::{Direction, Priority, SyncConfig};
use serde::{Deserialize, Serialize};

use crate::chrome::storage;

pub const KEY: &str = "sync";

/// The stored shape's version: bump it with a migration in [`SyncSettings::migrate`] when the shape
/// changes, so that an update of the extension keeps the admin's configuration (SPEC P1).
///
/// - 1: direction, priority, mapping.
/// - 2: adds `inheritance` (P2's second step), `fields` (F2: when each custom field was created) and
///   `custom_data` (F4). A version-1 store that already had a mapping was in use, so it migrates with
///   inheritance on: updating must not silently stop a working sync.
pub const SCHEMA: u32 = 2;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncSettings {
    pub schema: u32,
    pub direction: Direction,
    pub priority: Priority,
    /// Raw rows as the admin saved them; validated against both live catalogs before use.
    pub mapping: Vec<MappingEntry>,
    /// Status inheritance (S2) is on: Kustomer statuses become CCAI statuses through the mapping.
    pub inheritance: bool,
    /// The custom fields "Create" made (or found), with Kustomer's `createdAt` (F2).
    pub fields: Vec<CreatedField>,
    /// SDK custom-data key → Kustomer conversation field (F4).
    pub custom_data: Vec<CustomDataRow>,
    /// Countries (ISO 3166 alpha-2) in which national phone numbers are read, in order (C2): the first
    /// where a number is valid wins. Missing in older stores: the default applies, no schema bump.
    pub phone_countries: Vec<String>,
}

/// A custom attribute in Kustomer's metadata, and when Kustomer says it was created (ISO 8601).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedField {
    pub resource: String,
    pub name: String,
    pub created_at: String,
}

/// One F4 row: the SDK's custom-data key and the Kustomer field its value is written to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomDataRow {
    pub key: String,
    pub field: String,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            schema: SCHEMA,
            direction: Direction::OneWay,
            priority: Priority::LatestChangeWins,
            mapping: Vec::new(),
            inheritance: false,
            fields: Vec::new(),
            custom_data: Vec::new(),
            phone_countries: vec!["ES".into(), "US".into()],
        }
    }
}

impl SyncSettings {
    pub fn sync_config(&self) -> SyncConfig {
        SyncConfig {
            direction: self.direction,
            priority: self.priority,
        }
    }

    /// Brings a stored value of an older schema up to [`SCHEMA`]. Returns whether anything changed, so
    /// the caller writes the migrated value back once. A value from a newer extension (downgrade) is
    /// left as it is: its extra keys were already dropped by the read, the rest still works.
    pub fn migrate(&mut self) -> bool {
        let from = self.schema;
        if from >= SCHEMA {
            return false;
        }
        if from < 2 {
            // Schema 0 is a store written before the field existed; it had only the v1 keys.
            self.inheritance = !self.mapping.is_empty();
        }
        self.schema = SCHEMA;
        true
    }
}

/// Reads the settings, migrating (and writing back) an older stored schema.
pub async fn load() -> SyncSettings {
    let Some(mut settings) = storage::get::<SyncSettings>(KEY).await else {
        return sandbox_defaults().await.unwrap_or_default();
    };
    if settings.migrate() {
        let _ = save(&settings).await;
    }
    settings
}

/// A sandbox build (`build.sh --sandbox`, the demo) ships the seed's example mapping, so the demo syncs
/// from the first click; a normal build has no such file and starts empty.
async fn sandbox_defaults() -> Option<SyncSettings> {
    let call = crate::http::Call {
        method: "GET",
        url: "sandbox-sync-defaults.json".into(),
        auth: String::new(),
        headers: vec![],
    };
    call.send::<(), SyncSettings>(None).await.ok()
}

pub async fn save(settings: &SyncSettings) -> Result<(), wasm_bindgen::JsValue> {
    storage::set(KEY, settings).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccai_core::status::CcaiStatusId;

    /// A version-1 store as the first release wrote it, through the same JSON the browser keeps.
    fn v1(mapping: Vec<MappingEntry>) -> SyncSettings {
        SyncSettings {
            schema: 1,
            mapping,
            ..SyncSettings::default()
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn p1_v1_with_a_mapping_migrates_with_inheritance_on_and_keeps_everything() {
        let rows = vec![
            MappingEntry::new("K1", CcaiStatusId::AVAILABLE),
            MappingEntry::new("K3", CcaiStatusId::BREAK),
        ];
        let mut s = v1(rows.clone());
        s.direction = Direction::Bidirectional;
        s.priority = Priority::CrmOverridesNext;
        assert!(s.migrate());
        assert_eq!(s.schema, SCHEMA);
        assert!(s.inheritance);
        assert_eq!(s.mapping, rows);
        assert_eq!(
            (s.direction, s.priority),
            (Direction::Bidirectional, Priority::CrmOverridesNext)
        );
        assert!(!s.migrate(), "migrating twice changes nothing");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn p1_v1_without_a_mapping_migrates_with_inheritance_off() {
        let mut s = v1(vec![]);
        assert!(s.migrate());
        assert!(!s.inheritance);
        assert_eq!(s.schema, SCHEMA);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn p1_current_and_newer_schemas_are_left_alone() {
        let mut s = SyncSettings {
            inheritance: true,
            ..SyncSettings::default()
        };
        assert!(!s.migrate());
        let mut newer = SyncSettings {
            schema: SCHEMA + 1,
            ..SyncSettings::default()
        };
        assert!(!newer.migrate());
        assert_eq!(newer.schema, SCHEMA + 1);
    }

    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen_test::wasm_bindgen_test]
    fn p1_a_v1_value_as_stored_reads_with_defaults_for_the_new_keys() {
        let js = js_sys::JSON::parse(r#"{"schema":1,"direction":"OneWay","priority":"LatestChangeWins","mapping":[{"kustomer":"K1","ccai":0}]}"#)
            .expect("json");
        let mut s: SyncSettings = serde_wasm_bindgen::from_value(js).expect("a v1 value reads");
        assert!(s.fields.is_empty() && s.custom_data.is_empty());
        assert!(s.migrate() && s.inheritance);
    }
}
