//! The status model of both sides, keyed by id and never by name.
//!
//! Names are for people: CCAI lets a custom status repeat a built-in name (id 5 "Meal" beside id -4
//! "Meal", API-NOTES.md), and a Kustomer admin can rename a status at any time. Every decision in this
//! crate therefore compares ids; names only appear in messages.

use serde::{Deserialize, Serialize};

/// A Kustomer routing status id (an opaque string in Kustomer's API).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KustomerStatusId(pub String);

impl KustomerStatusId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for KustomerStatusId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Kustomer's `statusType`. Only `available` receives routed work; `busy` is what Kustomer itself sets
/// on a call or in wrap-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusType {
    Available,
    Busy,
    Unavailable,
    Offline,
}

/// One Kustomer routing status, as `GET /v1/routing/statuses` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KustomerStatus {
    pub id: KustomerStatusId,
    pub name: String,
    pub status_type: StatusType,
    /// Built-in statuses carry `system: true`; they can still be mapped (an agent picks them by hand).
    #[serde(default)]
    pub system: bool,
}

/// A CCAI user status id. Built-ins are zero or negative; custom statuses are positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CcaiStatusId(pub i64);

impl CcaiStatusId {
    pub const AVAILABLE: Self = Self(0);
    pub const UNAVAILABLE: Self = Self(-1);
    pub const BREAK: Self = Self(-2);
    pub const SPECIAL_TASK: Self = Self(-3);
    pub const MEAL: Self = Self(-4);
    pub const MISSED_CALL: Self = Self(-5);
    pub const WRAP_UP: Self = Self(-6);
    pub const IN_CALL: Self = Self(-7);
    pub const IN_CHAT: Self = Self(-8);
    pub const OFFLINE: Self = Self(-10);

    /// True for the statuses CCAI itself puts an agent in while work is going on. CCAI refuses to move
    /// an agent into or out of them (a 200 with a per-agent `message`), so we never try: we wait.
    pub fn is_system(self) -> bool {
        matches!(
            self,
            Self::MISSED_CALL | Self::WRAP_UP | Self::IN_CALL | Self::IN_CHAT
        )
    }
}

impl std::fmt::Display for CcaiStatusId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One CCAI user status, as `GET /manager/api/v1/user_statuses` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CcaiStatus {
    pub id: CcaiStatusId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

impl CcaiStatus {
    pub fn is_system(&self) -> bool {
        self.id.is_system()
    }
}

/// The statuses one side knows, in the order that side lists them (the admin page shows that order).
///
/// Lookups are linear: a tenant has tens of statuses, and a `Vec` keeps the WASM small and the order
/// stable. A repeated id keeps its first entry, so a duplicated API page cannot change a lookup.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StatusCatalog<S> {
    statuses: Vec<S>,
}

/// What a catalog needs from its entries.
pub trait HasId {
    type Id: PartialEq;
    fn id(&self) -> &Self::Id;
}

impl HasId for KustomerStatus {
    type Id = KustomerStatusId;
    fn id(&self) -> &KustomerStatusId {
        &self.id
    }
}

impl HasId for CcaiStatus {
    type Id = CcaiStatusId;
    fn id(&self) -> &CcaiStatusId {
        &self.id
    }
}

impl<S: HasId> StatusCatalog<S> {
    pub fn new(statuses: Vec<S>) -> Self {
        let mut kept: Vec<S> = Vec::with_capacity(statuses.len());
        for s in statuses {
            if !kept.iter().any(|k| k.id() == s.id()) {
                kept.push(s);
            }
        }
        Self { statuses: kept }
    }

    pub fn get(&self, id: &S::Id) -> Option<&S> {
        self.statuses.iter().find(|s| s.id() == id)
    }

    pub fn contains(&self, id: &S::Id) -> bool {
        self.get(id).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = &S> {
        self.statuses.iter()
    }

    pub fn len(&self) -> usize {
        self.statuses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.statuses.is_empty()
    }
}

impl<S: HasId> FromIterator<S> for StatusCatalog<S> {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Self::new(iter.into_iter().collect())
    }
}

pub type KustomerCatalog = StatusCatalog<KustomerStatus>;
pub type CcaiCatalog = StatusCatalog<CcaiStatus>;

impl StatusCatalog<CcaiStatus> {
    /// CCAI's built-in statuses, for tests and for a first paint before the tenant's list arrives.
    pub fn builtins() -> Self {
        [
            (0, "Available"),
            (-1, "Unavailable"),
            (-2, "Break"),
            (-3, "Special Task"),
            (-4, "Meal"),
            (-5, "Missed Call"),
            (-6, "Wrap-up"),
            (-7, "In-call"),
            (-8, "In-chat"),
            (-10, "Offline"),
        ]
        .into_iter()
        .map(|(id, name)| CcaiStatus {
            id: CcaiStatusId(id),
            name: name.to_string(),
            color: None,
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_statuses_are_exactly_the_four_ccai_moves_by_itself() {
        let system: Vec<i64> = CcaiCatalog::builtins()
            .iter()
            .filter(|s| s.is_system())
            .map(|s| s.id.0)
            .collect();
        assert_eq!(system, vec![-5, -6, -7, -8]);
        assert!(!CcaiStatusId(5).is_system());
    }

    #[test]
    fn repeated_names_are_told_apart_by_id() {
        let mut all: Vec<CcaiStatus> = CcaiCatalog::builtins().iter().cloned().collect();
        all.push(CcaiStatus {
            id: CcaiStatusId(5),
            name: "Meal".into(),
            color: Some("red".into()),
        });
        let cat = CcaiCatalog::new(all);
        assert_eq!(
            cat.get(&CcaiStatusId(5)).map(|s| s.color.clone()),
            Some(Some("red".into()))
        );
        assert_eq!(
            cat.get(&CcaiStatusId::MEAL).map(|s| s.color.clone()),
            Some(None)
        );
    }

    #[test]
    fn repeated_id_keeps_first_entry() {
        let cat = CcaiCatalog::new(vec![
            CcaiStatus {
                id: CcaiStatusId(1),
                name: "first".into(),
                color: None,
            },
            CcaiStatus {
                id: CcaiStatusId(1),
                name: "second".into(),
                color: None,
            },
        ]);
        assert_eq!(cat.len(), 1);
        assert_eq!(
            cat.get(&CcaiStatusId(1)).map(|s| s.name.as_str()),
            Some("first")
        );
    }

    #[test]
    fn json_shapes_match_the_apis_and_ignore_unknown_keys() {
        let k: KustomerStatus = serde_json::from_str(
            r#"{"id":"k1","name":"Lunch","statusType":"unavailable","system":false,"extra":1}"#,
        )
        .expect("kustomer status parses");
        assert_eq!(k.status_type, StatusType::Unavailable);
        let c: CcaiStatus =
            serde_json::from_str(r#"{"id":-6,"name":"Wrap-up","color":"blue","new":true}"#)
                .expect("ccai status parses");
        assert!(c.is_system());
        let back = serde_json::to_string(&c.id).expect("serialises");
        assert_eq!(back, "-6");
    }
}
