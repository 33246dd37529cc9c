//! The words for each notice, from `_locales`.

use super::state::Notice;
use crate::chrome::i18n::{t, t1};

impl Notice {
    pub fn text(&self) -> String {
        match self {
            Notice::Loading => t("loading"),
            Notice::NotConfigured => t("notConfigured"),
            Notice::CcaiError(code) => t1("ccaiError", &code.to_string()),
            Notice::Refused(message) => t1("changeRefused", message),
            Notice::KustomerUnreachable => t("kustomerUnreachable"),
            Notice::KustomerOffline => t("kustomerOffline"),
            Notice::KustomerRefused => t("kustomerRefusedStatus"),
            Notice::KustomerNotSet => t("kustomerStatusNotSet"),
            Notice::InheritanceOff => t("inheritanceOff"),
            Notice::MappingProblem(problem) => t1("mappingProblem", problem),
            Notice::NotOwner => t("notOwnerChange"),
            Notice::NotOffered => t("statusNotOffered"),
            Notice::Deferred(status, why) => format!("{} {}", t1("deferred", status), why),
            Notice::Unmapped(status) => t1("unmappedStatus", status),
            Notice::UnmappedCcai(status) => t1("unmappedCcaiStatus", status),
            Notice::EmailMismatch(kustomer, ccai) => {
                format!("{} ({kustomer} ≠ {ccai})", t("emailMismatch"))
            }
            Notice::DeferredDropped(status) => t1("deferredDropped", status),
            Notice::RelayDropped(status, code, reason) => {
                format!("{} (HTTP {code}: {reason})", t1("relayDropped", status))
            }
            Notice::SignedOut => t("companySignedOut"),
            Notice::SignInFailed(why) => t1("companySignInFailed", why),
            Notice::ServerUnreachable => t("companyUnreachable"),
            Notice::TakenElsewhere => t("takenElsewhere"),
        }
    }

    /// Problems are announced assertively; progress politely.
    pub fn is_problem(&self) -> bool {
        !matches!(self, Notice::Loading | Notice::Deferred(..))
    }
}
