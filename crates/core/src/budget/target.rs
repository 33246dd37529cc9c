//! Which status NAME to send for a CCAI status id: A8 sets statuses by name, while names repeat (A9:
//! custom 5 "Meal" beside built-in -4 "Meal") and everything else in this crate speaks ids.

use crate::status::{CcaiCatalog, CcaiStatusId};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("ccai has no status {0}")]
    Unknown(CcaiStatusId),
    /// A8: "Transitions to and from system-defined statuses like In-Call trigger an error".
    #[error("ccai status {name} ({id}) is set by ccai itself, not by an agent")]
    System { id: CcaiStatusId, name: String },
    /// CCAI would pick one of the same-named statuses, and the docs do not say which (A8).
    #[error("ccai status {id} shares its name {name} with status {other}: rename one in ccai")]
    Ambiguous {
        id: CcaiStatusId,
        name: String,
        other: CcaiStatusId,
    },
}

/// The name to send for `id`, refusing unknown, system and ambiguous targets.
pub fn target_name(catalog: &CcaiCatalog, id: CcaiStatusId) -> Result<String, TargetError> {
    let status = catalog.get(&id).ok_or(TargetError::Unknown(id))?;
    if status.is_system() {
        return Err(TargetError::System {
            id,
            name: status.name.clone(),
        });
    }
    // Not documented: case sensitivity of names (A8); the careful reading treats "meal" as "Meal".
    let twin = catalog
        .iter()
        .find(|s| s.id != id && s.name.trim().eq_ignore_ascii_case(status.name.trim()));
    if let Some(other) = twin {
        return Err(TargetError::Ambiguous {
            id,
            name: status.name.clone(),
            other: other.id,
        });
    }
    Ok(status.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::CcaiStatus;

    fn catalog() -> CcaiCatalog {
        let mut all: Vec<CcaiStatus> = CcaiCatalog::builtins().iter().cloned().collect();
        all.push(CcaiStatus {
            id: CcaiStatusId(5),
            name: "meal ".into(),
            color: None,
        });
        all.push(CcaiStatus {
            id: CcaiStatusId(1),
            name: "Training".into(),
            color: None,
        });
        CcaiCatalog::new(all)
    }

    #[test]
    fn targets_resolve_to_names_or_a_reason() {
        let c = catalog();
        let table: [(i64, Result<&str, TargetError>); 6] = [
            (0, Ok("Available")),
            (1, Ok("Training")),
            (-2, Ok("Break")),
            (
                -7,
                Err(TargetError::System {
                    id: CcaiStatusId(-7),
                    name: "In-call".into(),
                }),
            ),
            (
                -4,
                Err(TargetError::Ambiguous {
                    id: CcaiStatusId(-4),
                    name: "Meal".into(),
                    other: CcaiStatusId(5),
                }),
            ),
            (42, Err(TargetError::Unknown(CcaiStatusId(42)))),
        ];
        for (id, want) in table {
            assert_eq!(
                target_name(&c, CcaiStatusId(id)),
                want.map(str::to_owned),
                "status {id}"
            );
        }
    }
}
