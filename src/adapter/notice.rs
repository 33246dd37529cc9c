//! The words for each notice, from `_locales`.

use super::state::Notice;
use crate::chrome::i18n::{t, t1};

impl Notice {
    pub fn text(&self) -> String {
        match self {
            Notice::Loading => t("loading"),
            Notice::NotConfigured => t("notConfigured"),
            Notice::CcaiUnreachable => t("ccaiUnreachable"),
            Notice::CcaiUnauthorized => t("ccaiUnauthorized"),
            Notice::CcaiError(code) => t1("ccaiError", &code.to_string()),
            Notice::AgentNotFound(email) => t1("agentNotFound", email),
            Notice::Refused(message) => t1("changeRefused", message),
        }
    }

    /// Problems are announced assertively; progress politely.
    pub fn is_problem(&self) -> bool {
        !matches!(self, Notice::Loading)
    }
}
