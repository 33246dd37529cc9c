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
    /// numbered from 1, as the admin sees them. An empty mapping is allowed only with inheritance off
    /// (the admin may set up fields and countries before statuses).
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
        if self.inheritance || !self.mapping.is_empty() {
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
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// Why settings cannot be saved. Each message says which row and what to change.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(tag = "kind")]
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
    #[error("these settings are of schema {schema}, newer than this version knows ({known})")]
    NewerSchema { schema: u32, known: u32 },
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
    fn an_empty_mapping_is_allowed_only_without_inheritance() {
        let mut s = SyncSettings::default();
        assert_eq!(s.check(&kustomer(), &CcaiCatalog::builtins()), Ok(()));
        s.inheritance = true;
        let problems = s
            .check(&kustomer(), &CcaiCatalog::builtins())
            .expect_err("empty with inheritance");
        assert_eq!(
            problems,
            vec![SettingsProblem::Mapping(MappingError::Empty)]
        );
    }
}
