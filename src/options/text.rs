//! Words for the options page: messages with two substitutions, every way a call to the company server
//! can fail, said so that an admin knows what to fix (issue 16), and the server's refusals in the
//! admin's language.

use ccai_core::settings::SettingsProblem;

use super::AdminError;
use crate::chrome::i18n::{t, t1, t2};
use crate::company::CompanyError;

/// One sentence for a failed call to the company server's admin API.
pub fn admin_failure(err: &AdminError) -> String {
    match err {
        AdminError::NotAdmin => t("optErrNotAdmin"),
        AdminError::Conflict(_) => t("optErrConflict"),
        AdminError::Refused(refused) if refused.details.is_empty() => {
            let said = refused.problems.join(" ");
            t1("optErrRefused", &said)
        }
        AdminError::Refused(refused) => {
            let said: Vec<String> = refused.details.iter().map(problem_words).collect();
            t1("optErrRefused", &said.join(" "))
        }
        AdminError::NotLoaded => t("loading"),
        AdminError::Company(e) => company_failure(e),
    }
}

/// One sentence for a call to the company server that got no usable answer.
pub fn company_failure(err: &CompanyError) -> String {
    match err {
        CompanyError::NoServer | CompanyError::SignedOut => t("optSignInFirst"),
        CompanyError::Unreachable => t("optErrServerUnreachable"),
        CompanyError::Status { code, message, .. } => {
            t2("optErrServer", &code.to_string(), message)
        }
        CompanyError::BadBody => t("optErrServerBadBody"),
        CompanyError::SignIn(words) | CompanyError::SignInRefused(words) => {
            t1("optErrServerSignIn", words)
        }
    }
}

/// A problem the server found in the settings, in the admin's language, naming its section and row.
pub fn problem_words(p: &SettingsProblem) -> String {
    match p {
        SettingsProblem::Mapping(e) => t1("optImportMappingRow", &super::mapping::words(e)),
        SettingsProblem::EmptyKey { row } => {
            t2("optDataRow", &row.to_string(), &t("optDataKeyEmpty"))
        }
        SettingsProblem::KeyTwice { row, key } => {
            t2("optDataRow", &row.to_string(), &t1("optDataKeyTwice", key))
        }
        SettingsProblem::BadField { row, field } => t2(
            "optDataRow",
            &row.to_string(),
            &t1("optDataFieldBad", field),
        ),
        SettingsProblem::UnknownCountry { code, .. } => t1("optCountryUnknown", code),
        SettingsProblem::CountryTwice { code, .. } => t1("optCountryTwice", code),
        SettingsProblem::AdapterUrl { url } => t1("optAdapterUrlBad", url),
        SettingsProblem::NewerSchema { schema, known } => {
            t2("optNewerSchema", &schema.to_string(), &known.to_string())
        }
    }
}
