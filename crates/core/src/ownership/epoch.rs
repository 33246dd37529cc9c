//! Who a tab is and which owner term it holds: the ids every relayed change carries.

use serde::{Deserialize, Serialize};

/// A tab's id, random per page load (chosen by the extension).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TabId(pub String);

impl std::fmt::Display for TabId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One owner term. Ordered by `term`, then by tab id, so two tabs that start a term at once (two
/// followers forcing out the same zombie) still get distinct, ordered epochs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Epoch {
    pub term: u64,
    pub tab: TabId,
}

impl std::fmt::Display for Epoch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.term, self.tab)
    }
}

/// The fence check before every send: an owner may send only if no later owner has written the fence.
pub fn fence_allows(mine: &Epoch, stored_fence: Option<&Epoch>) -> bool {
    stored_fence.is_none_or(|f| mine >= f)
}
