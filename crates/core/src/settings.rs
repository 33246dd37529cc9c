//! The admin's sync settings (SPEC S3–S5, P2, F2, F4, C2): one document for the company, kept by the
//! company server (and, until part 2 of issue 15, in the extension's storage). This module is the
//! model and its checks; where it is stored is the caller's business.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::mapping::{Mapping, MappingEntry, MappingError};
use crate::reconcile::{Direction, Priority, SyncConfig};
use crate::status::{CcaiCatalog, KustomerCatalog};

/// The stored shape's version: bump it with a migration in [`SyncSettings::migrate`] when the shape
/// changes, so that an update keeps the admin's configuration (SPEC P1).
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
    /// The address of CCAI's own agent adapter for this tenant (C3): answering, hold, mute, keypad,
    /// transfer and chats happen there, since CCAI offers no API for them (A16), and the panel opens
    /// it. Not documented: its address (A21 says only that agents open the adapter and log in), so the
    /// admin gives it. Empty: the panel names the adapter without a link. Missing in older stores: empty,
    /// no schema bump.
    pub ccai_adapter_url: String,
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
            ccai_adapter_url: String::new(),
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
    /// the caller writes the migrated value back once. A value from a newer version (downgrade) is
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

    /// Every reason these settings cannot be saved, checked against today's catalogs. Rows are
    /// numbered from 1, as the admin sees them. An empty mapping is allowed, also with inheritance on:
    /// P2's guided order enables inheritance (step 2) before the mapping is made (step 3), and an
    /// admin may set up fields and countries before statuses; with nothing mapped, nothing is synced.
    pub fn check(
        &self,
        kustomer: &KustomerCatalog,
        ccai: &CcaiCatalog,
    ) -> Result<(), Vec<SettingsProblem>> {
        let mut problems = Vec::new();
        if self.schema > SCHEMA {
            problems.push(SettingsProblem::NewerSchema {
                schema: self.schema,
                known: SCHEMA,
            });
        }
        if !self.mapping.is_empty() {
            if let Err(errors) = Mapping::validate(&self.mapping, kustomer, ccai) {
                problems.extend(errors.into_iter().map(SettingsProblem::Mapping));
            }
        }
        problems.extend(custom_data_problems(&self.custom_data));
        for (i, code) in self.phone_countries.iter().enumerate() {
            if crate::phone::countries(code) != [code.as_str()] {
                problems.push(SettingsProblem::UnknownCountry {
                    row: i + 1,
                    code: code.clone(),
                });
            } else if self.phone_countries[..i].contains(code) {
                problems.push(SettingsProblem::CountryTwice {
                    row: i + 1,
                    code: code.clone(),
                });
            }
        }
        if !is_adapter_url(&self.ccai_adapter_url) {
            problems.push(SettingsProblem::AdapterUrl {
                url: self.ccai_adapter_url.chars().take(200).collect(),
            });
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// Why settings cannot be saved. Each message says which row and what to change. On the wire (the
/// server's 422, `SettingsRefused::details`) it is tagged `problem`, so a mapping problem keeps its own
/// `kind` beside it: `{"problem": "Mapping", "kind": "SystemStatusTarget", "row": 2, …}`.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum SettingsProblem {
    #[error("mapping {0}")]
    Mapping(MappingError),
    #[error("custom data row {row}: the SDK key is empty")]
    EmptyKey { row: usize },
    #[error("custom data row {row}: the SDK key {key} is already in an earlier row")]
    KeyTwice { row: usize, key: String },
    #[error("custom data row {row}: {field:?} is not a Kustomer attribute name (lowerCamel, ending in Str, Txt, Num, At, Bool, Url or Id)")]
    BadField { row: usize, field: String },
    #[error("phone country {row}: {code:?} is not an ISO 3166 country code with phone numbers")]
    UnknownCountry { row: usize, code: String },
    #[error("phone country {row}: {code} is already in the list")]
    CountryTwice { row: usize, code: String },
    #[error("the address of ccai's adapter {url:?} is not an https:// address")]
    AdapterUrl { url: String },
    #[error("these settings are of schema {schema}, newer than this version knows ({known})")]
    NewerSchema { schema: u32, known: u32 },
}
crate::internally_tagged!(SettingsProblem, "problem");

/// Whether `url` may be the panel's link to CCAI's adapter: empty (no link), or an `https://` address
/// with a host and no spaces, short enough for a link. Nothing else is opened from the agent's panel.
pub fn is_adapter_url(url: &str) -> bool {
    if url.is_empty() {
        return true;
    }
    let host = url
        .strip_prefix("https://")
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .unwrap_or_default();
    !host.is_empty()
        && url.len() <= 2_048
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether Kustomer accepts `name` as a custom attribute name: a lowerCamel stem and a type suffix.
pub fn is_attribute_name(name: &str) -> bool {
    ["Str", "Txt", "Num", "At", "Bool", "Url", "Id"]
        .iter()
        .any(|suffix| {
            name.strip_suffix(suffix).is_some_and(|stem| {
                stem.starts_with(|c: char| c.is_ascii_lowercase())
                    && stem.chars().all(|c| c.is_ascii_alphanumeric())
            })
        })
}

/// The F4 rows' problems: an empty key, a key used twice, or a field name Kustomer refuses.
pub fn custom_data_problems(rows: &[CustomDataRow]) -> Vec<SettingsProblem> {
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let key = r.key.trim();
        let row = i + 1;
        if key.is_empty() {
            out.push(SettingsProblem::EmptyKey { row });
        } else if rows[..i].iter().any(|o| o.key.trim() == key) {
            out.push(SettingsProblem::KeyTwice {
                row,
                key: key.to_owned(),
            });
        } else if !is_attribute_name(r.field.trim()) {
            out.push(SettingsProblem::BadField {
                row,
                field: r.field.trim().to_owned(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{
        CcaiStatusId, KustomerStatus, KustomerStatusId, StatusCatalog, StatusType,
    };

    #[test]
    fn c3_the_adapter_link_is_empty_or_https() {
        for (url, ok) in [
            ("", true),
            ("https://acme.uc1.ccaiplatform.com/agent", true),
            ("https://acme.example", true),
            ("http://acme.uc1.ccaiplatform.com/agent", false),
            ("javascript:alert(1)", false),
            ("https://", false),
            ("https:///agent", false),
            ("https://acme.example/a b", false),
            ("acme.uc1.ccaiplatform.com", false),
        ] {
            assert_eq!(is_adapter_url(url), ok, "{url:?}");
        }
        let s = SyncSettings {
            ccai_adapter_url: "javascript:alert(1)".into(),
            ..SyncSettings::default()
        };
        let problems = s
            .check(&KustomerCatalog::new(vec![]), &CcaiCatalog::new(vec![]))
            .err()
            .unwrap_or_default();
        assert_eq!(
            problems,
            vec![SettingsProblem::AdapterUrl {
                url: "javascript:alert(1)".into()
            }]
        );
        // An older store without the key reads as no link.
        let old: SyncSettings =
            serde_json::from_str(r#"{"schema": 2, "inheritance": false}"#).expect("parses");
        assert_eq!(old.ccai_adapter_url, "");
    }

    /// A version-1 store as the first release wrote it.
    fn v1(mapping: Vec<MappingEntry>) -> SyncSettings {
        SyncSettings {
            schema: 1,
            mapping,
            ..SyncSettings::default()
        }
    }

    #[test]
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

    #[test]
    fn p1_v1_without_a_mapping_migrates_with_inheritance_off() {
        let mut s = v1(vec![]);
        assert!(s.migrate());
        assert!(!s.inheritance);
        assert_eq!(s.schema, SCHEMA);
    }

    #[test]
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

    #[test]
    fn p1_a_v1_value_as_stored_reads_with_defaults_for_the_new_keys() {
        let mut s: SyncSettings = serde_json::from_str(
            r#"{"schema":1,"direction":"OneWay","priority":"LatestChangeWins","mapping":[{"kustomer":"K1","ccai":0}]}"#,
        )
        .expect("a v1 value reads");
        assert!(s.fields.is_empty() && s.custom_data.is_empty());
        assert!(s.migrate() && s.inheritance);
    }

    fn kustomer() -> KustomerCatalog {
        StatusCatalog::new(
            [("K1", "Available"), ("K2", "Lunch")]
                .into_iter()
                .map(|(id, name)| KustomerStatus {
                    id: KustomerStatusId::new(id),
                    name: name.into(),
                    status_type: StatusType::Available,
                    system: false,
                })
                .collect(),
        )
    }

    #[test]
    fn check_names_every_problem_by_row() {
        let s = SyncSettings {
            inheritance: true,
            mapping: vec![
                MappingEntry::new("K1", CcaiStatusId::AVAILABLE),
                MappingEntry::new("K9", CcaiStatusId::BREAK),
            ],
            custom_data: vec![
                CustomDataRow {
                    key: "order".into(),
                    field: "orderStr".into(),
                },
                CustomDataRow {
                    key: "order".into(),
                    field: "otherStr".into(),
                },
                CustomDataRow {
                    key: "x".into(),
                    field: "Bad Field".into(),
                },
                CustomDataRow {
                    key: " ".into(),
                    field: "aStr".into(),
                },
            ],
            phone_countries: vec!["ES".into(), "XX".into(), "ES".into()],
            ..SyncSettings::default()
        };
        let problems = s
            .check(&kustomer(), &CcaiCatalog::builtins())
            .expect_err("five problems");
        let words: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 6, "{words:#?}");
        assert!(
            words[0].contains("row 2") && words[0].contains("K9"),
            "{}",
            words[0]
        );
        assert!(words
            .iter()
            .any(|w| w.contains("custom data row 2") && w.contains("order")));
        assert!(words
            .iter()
            .any(|w| w.contains("custom data row 3") && w.contains("Bad Field")));
        assert!(words.iter().any(|w| w.contains("custom data row 4")));
        assert!(words
            .iter()
            .any(|w| w.contains("phone country 2") && w.contains("XX")));
        assert!(words
            .iter()
            .any(|w| w.contains("phone country 3") && w.contains("already")));
    }

    #[test]
    fn problems_cross_the_wire_and_come_back_equal() {
        let all = vec![
            SettingsProblem::Mapping(MappingError::Empty),
            SettingsProblem::Mapping(MappingError::SystemStatusTarget {
                row: 2,
                kustomer_name: "Lunch".into(),
                ccai: CcaiStatusId(-6),
                ccai_name: "Wrap-up".into(),
            }),
            SettingsProblem::EmptyKey { row: 1 },
            SettingsProblem::BadField {
                row: 3,
                field: "x y".into(),
            },
            SettingsProblem::CountryTwice {
                row: 2,
                code: "ES".into(),
            },
        ];
        let json = serde_json::to_value(&all).expect("serialises");
        assert_eq!(json[1]["problem"], "Mapping");
        assert_eq!(json[1]["kind"], "SystemStatusTarget");
        assert_eq!(json[1]["row"], 2);
        let back: Vec<SettingsProblem> = serde_json::from_value(json).expect("parses");
        assert_eq!(back, all);
    }

    #[test]
    fn p2_an_empty_mapping_is_allowed_with_inheritance_on_too() {
        // Step 2 (inheritance) comes before step 3 (the mapping) in the guided setup.
        let mut s = SyncSettings::default();
        assert_eq!(s.check(&kustomer(), &CcaiCatalog::builtins()), Ok(()));
        s.inheritance = true;
        assert_eq!(s.check(&kustomer(), &CcaiCatalog::builtins()), Ok(()));
    }
}
