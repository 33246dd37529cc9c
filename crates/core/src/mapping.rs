//! The admin's mapping from Kustomer statuses to CCAI statuses (SPEC S3).
//!
//! Many-to-one and free-form: K1→A, K2→A, K3→B, K4→D is valid. A Kustomer status that is not in the
//! mapping is not an error: the reconciler reports it and relays nothing. The raw rows are what the
//! options page saves; a [`Mapping`] only exists after validation against both catalogs, so the
//! reconciler never sees an unknown id or a system-status target.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::status::{CcaiCatalog, CcaiStatusId, KustomerCatalog, KustomerStatusId};

/// One row as the admin saved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingEntry {
    pub kustomer: KustomerStatusId,
    pub ccai: CcaiStatusId,
    /// The Kustomer status to pick when a CCAI change is reflected back and several rows share its CCAI
    /// status (bidirectional sync only). At most one preferred row per CCAI status.
    #[serde(default)]
    pub preferred: bool,
}

impl MappingEntry {
    pub fn new(kustomer: impl Into<String>, ccai: CcaiStatusId) -> Self {
        Self {
            kustomer: KustomerStatusId(kustomer.into()),
            ccai,
            preferred: false,
        }
    }

    pub fn preferred(mut self) -> Self {
        self.preferred = true;
        self
    }
}

/// Why a row cannot be used. Rows are numbered from 1, as the options page shows them, and every
/// message names the status so the admin knows which row to fix.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum MappingError {
    #[error("the mapping is empty: map at least one Kustomer status to a CCAI status")]
    Empty,
    #[error("row {row}: Kustomer status {kustomer} does not exist (deleted or renamed away?)")]
    UnknownKustomerStatus {
        row: usize,
        kustomer: KustomerStatusId,
    },
    #[error("row {row}: CCAI status {ccai} (for Kustomer status {kustomer_name}) does not exist")]
    UnknownCcaiStatus {
        row: usize,
        kustomer_name: String,
        ccai: CcaiStatusId,
    },
    #[error("row {row}: Kustomer status {kustomer_name} is already mapped in row {first_row}")]
    DuplicateKustomerStatus {
        row: usize,
        first_row: usize,
        kustomer_name: String,
    },
    #[error(
        "row {row}: {kustomer_name} maps to {ccai_name}, a status only CCAI sets (during calls and chats)"
    )]
    SystemStatusTarget {
        row: usize,
        kustomer_name: String,
        ccai: CcaiStatusId,
        ccai_name: String,
    },
    #[error("row {row}: CCAI status {ccai_name} already has a preferred Kustomer status in row {first_row}")]
    SecondPreferred {
        row: usize,
        first_row: usize,
        ccai_name: String,
    },
}
crate::internally_tagged!(MappingError, "kind");

/// What a Kustomer status becomes in CCAI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MapResult {
    Mapped(CcaiStatusId),
    Unmapped,
}

/// What a CCAI status becomes in Kustomer, given the agent's current Kustomer status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReverseResult {
    /// The current Kustomer status already maps to this CCAI status: change nothing.
    Keep,
    Set(KustomerStatusId),
    Unmapped,
}

/// A validated mapping. It has no `Deserialize` on purpose: load the saved rows and run
/// [`Mapping::validate`] or [`Mapping::revalidate`] against fresh catalogs, so a status deleted since
/// the save is caught.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Mapping {
    entries: Vec<MappingEntry>,
}

/// The result of loading a saved mapping against fresh catalogs: the rows still usable, and the
/// problems with the others. Sync of the usable rows goes on while the admin fixes the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revalidated {
    pub mapping: Mapping,
    pub problems: Vec<MappingError>,
}

impl Mapping {
    /// Checks rows the admin is about to save. Any problem refuses the whole save, so that what is
    /// saved is exactly what the admin saw as valid (P2: refuse an unusable configuration clearly).
    pub fn validate(
        entries: &[MappingEntry],
        kustomer: &KustomerCatalog,
        ccai: &CcaiCatalog,
    ) -> Result<Mapping, Vec<MappingError>> {
        let checked = Self::revalidate(entries, kustomer, ccai);
        if !checked.problems.is_empty() {
            return Err(checked.problems);
        }
        if checked.mapping.entries.is_empty() {
            return Err(vec![MappingError::Empty]);
        }
        Ok(checked.mapping)
    }

    /// Checks rows saved earlier against today's catalogs and keeps the usable ones. A status deleted in
    /// Kustomer or CCAI after the save only disables its own row. For a duplicated Kustomer status the
    /// first row wins, as it did when the mapping was last valid.
    pub fn revalidate(
        entries: &[MappingEntry],
        kustomer: &KustomerCatalog,
        ccai: &CcaiCatalog,
    ) -> Revalidated {
        let mut kept: Vec<(usize, MappingEntry)> = Vec::new();
        let mut problems = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let row = i + 1;
            let Some(k) = kustomer.get(&e.kustomer) else {
                problems.push(MappingError::UnknownKustomerStatus {
                    row,
                    kustomer: e.kustomer.clone(),
                });
                continue;
            };
            let Some(c) = ccai.get(&e.ccai) else {
                problems.push(MappingError::UnknownCcaiStatus {
                    row,
                    kustomer_name: k.name.clone(),
                    ccai: e.ccai,
                });
                continue;
            };
            if c.is_system() {
                problems.push(MappingError::SystemStatusTarget {
                    row,
                    kustomer_name: k.name.clone(),
                    ccai: c.id,
                    ccai_name: c.name.clone(),
                });
                continue;
            }
            if let Some((first_row, _)) = kept.iter().find(|(_, x)| x.kustomer == e.kustomer) {
                problems.push(MappingError::DuplicateKustomerStatus {
                    row,
                    first_row: *first_row,
                    kustomer_name: k.name.clone(),
                });
                continue;
            }
            let mut e = e.clone();
            if e.preferred {
                if let Some((first_row, _)) =
                    kept.iter().find(|(_, x)| x.preferred && x.ccai == e.ccai)
                {
                    problems.push(MappingError::SecondPreferred {
                        row,
                        first_row: *first_row,
                        ccai_name: c.name.clone(),
                    });
                    // The row still maps; only its preference is dropped.
                    e.preferred = false;
                }
            }
            kept.push((row, e));
        }
        Revalidated {
            mapping: Mapping {
                entries: kept.into_iter().map(|(_, e)| e).collect(),
            },
            problems,
        }
    }

    /// The rows in the admin's order.
    pub fn entries(&self) -> &[MappingEntry] {
        &self.entries
    }

    pub fn lookup(&self, kustomer: &KustomerStatusId) -> MapResult {
        self.entries
            .iter()
            .find(|e| &e.kustomer == kustomer)
            .map_or(MapResult::Unmapped, |e| MapResult::Mapped(e.ccai))
    }

    /// The Kustomer status to show for a CCAI status (bidirectional sync). Many-to-one makes the reverse
    /// ambiguous, so the rule is, in order:
    /// 1. if the agent's current Kustomer status already maps to `ccai`, keep it: an agent in K2 must
    ///    never be moved to K1 just because both map to A (that would be a visible flap for nothing);
    /// 2. else the row the admin marked preferred for `ccai`;
    /// 3. else the first row for `ccai` in the admin's order;
    /// 4. else unmapped: Kustomer is left alone and the reconciler reports it.
    pub fn reverse(&self, ccai: CcaiStatusId, current: Option<&KustomerStatusId>) -> ReverseResult {
        if let Some(cur) = current {
            if self.lookup(cur) == MapResult::Mapped(ccai) {
                return ReverseResult::Keep;
            }
        }
        let mut rows = self.entries.iter().filter(|e| e.ccai == ccai);
        let preferred = self.entries.iter().find(|e| e.ccai == ccai && e.preferred);
        match preferred.or_else(|| rows.next()) {
            Some(e) => ReverseResult::Set(e.kustomer.clone()),
            None => ReverseResult::Unmapped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{KustomerStatus, StatusType};

    const A: CcaiStatusId = CcaiStatusId::AVAILABLE;
    const B: CcaiStatusId = CcaiStatusId::BREAK;
    const D: CcaiStatusId = CcaiStatusId::MEAL;

    fn k(id: &str) -> KustomerStatusId {
        KustomerStatusId::new(id)
    }

    fn kcat() -> KustomerCatalog {
        ["K1", "K2", "K3", "K4", "K5"]
            .into_iter()
            .map(|id| KustomerStatus {
                id: k(id),
                name: format!("{id} name"),
                status_type: StatusType::Available,
                system: false,
            })
            .collect()
    }

    fn seed_rows() -> Vec<MappingEntry> {
        vec![
            MappingEntry::new("K1", A),
            MappingEntry::new("K2", A),
            MappingEntry::new("K3", B),
            MappingEntry::new("K4", D),
        ]
    }

    fn seed() -> Mapping {
        Mapping::validate(&seed_rows(), &kcat(), &CcaiCatalog::builtins())
            .expect("seed mapping is valid")
    }

    #[test]
    fn seed_example_is_valid_and_many_to_one() {
        let m = seed();
        assert_eq!(m.lookup(&k("K1")), MapResult::Mapped(A));
        assert_eq!(m.lookup(&k("K2")), MapResult::Mapped(A));
        assert_eq!(m.lookup(&k("K3")), MapResult::Mapped(B));
        assert_eq!(m.lookup(&k("K4")), MapResult::Mapped(D));
    }

    #[test]
    fn unmapped_status_is_not_an_error() {
        assert_eq!(seed().lookup(&k("K5")), MapResult::Unmapped);
    }

    #[test]
    fn each_bad_row_gives_its_own_error() {
        let rows = vec![
            MappingEntry::new("K1", A),
            MappingEntry::new("gone", A),
            MappingEntry::new("K2", CcaiStatusId(42)),
            MappingEntry::new("K1", B),
            MappingEntry::new("K3", CcaiStatusId::WRAP_UP),
        ];
        let errs =
            Mapping::validate(&rows, &kcat(), &CcaiCatalog::builtins()).expect_err("invalid");
        assert_eq!(
            errs,
            vec![
                MappingError::UnknownKustomerStatus {
                    row: 2,
                    kustomer: k("gone")
                },
                MappingError::UnknownCcaiStatus {
                    row: 3,
                    kustomer_name: "K2 name".into(),
                    ccai: CcaiStatusId(42)
                },
                MappingError::DuplicateKustomerStatus {
                    row: 4,
                    first_row: 1,
                    kustomer_name: "K1 name".into()
                },
                MappingError::SystemStatusTarget {
                    row: 5,
                    kustomer_name: "K3 name".into(),
                    ccai: CcaiStatusId::WRAP_UP,
                    ccai_name: "Wrap-up".into()
                },
            ]
        );
        assert_eq!(
            errs[3].to_string(),
            "row 5: K3 name maps to Wrap-up, a status only CCAI sets (during calls and chats)"
        );
    }

    #[test]
    fn empty_mapping_is_refused() {
        assert_eq!(
            Mapping::validate(&[], &kcat(), &CcaiCatalog::builtins()),
            Err(vec![MappingError::Empty])
        );
    }

    #[test]
    fn stale_rows_are_reported_and_the_rest_keeps_working() {
        let kustomer: KustomerCatalog =
            kcat().iter().filter(|s| s.id != k("K3")).cloned().collect();
        let ccai: CcaiCatalog = CcaiCatalog::builtins()
            .iter()
            .filter(|s| s.id != D)
            .cloned()
            .collect();
        let r = Mapping::revalidate(&seed_rows(), &kustomer, &ccai);
        assert_eq!(r.problems.len(), 2);
        assert!(matches!(
            r.problems[0],
            MappingError::UnknownKustomerStatus { row: 3, .. }
        ));
        assert!(matches!(
            r.problems[1],
            MappingError::UnknownCcaiStatus { row: 4, .. }
        ));
        assert_eq!(r.mapping.lookup(&k("K1")), MapResult::Mapped(A));
        assert_eq!(r.mapping.lookup(&k("K3")), MapResult::Unmapped);
        assert_eq!(r.mapping.lookup(&k("K4")), MapResult::Unmapped);
    }

    #[test]
    fn reverse_keeps_current_status_when_it_already_maps_there() {
        assert_eq!(seed().reverse(A, Some(&k("K2"))), ReverseResult::Keep);
    }

    #[test]
    fn reverse_prefers_marked_row_then_first_row() {
        assert_eq!(
            seed().reverse(A, Some(&k("K3"))),
            ReverseResult::Set(k("K1"))
        );
        let mut rows = seed_rows();
        rows[1] = rows[1].clone().preferred();
        let m = Mapping::validate(&rows, &kcat(), &CcaiCatalog::builtins()).expect("valid");
        assert_eq!(m.reverse(A, Some(&k("K3"))), ReverseResult::Set(k("K2")));
        assert_eq!(m.reverse(A, None), ReverseResult::Set(k("K2")));
    }

    #[test]
    fn reverse_of_unmapped_ccai_status_is_unmapped() {
        assert_eq!(
            seed().reverse(CcaiStatusId::OFFLINE, Some(&k("K1"))),
            ReverseResult::Unmapped
        );
    }

    #[test]
    fn two_preferred_rows_for_one_ccai_status_are_refused() {
        let mut rows = seed_rows();
        rows[0] = rows[0].clone().preferred();
        rows[1] = rows[1].clone().preferred();
        let errs =
            Mapping::validate(&rows, &kcat(), &CcaiCatalog::builtins()).expect_err("invalid");
        assert!(matches!(
            errs[..],
            [MappingError::SecondPreferred {
                row: 2,
                first_row: 1,
                ..
            }]
        ));
    }

    #[test]
    fn errors_serialise_for_the_options_page() {
        let json = serde_json::to_string(&MappingError::Empty).expect("serialises");
        assert_eq!(json, r#"{"kind":"Empty"}"#);
        let rows: Vec<MappingEntry> =
            serde_json::from_str(r#"[{"kustomer":"K1","ccai":0}]"#).expect("rows parse");
        assert!(!rows[0].preferred);
    }
}
