//! Guard rails every change must pass (issue 9): the accessibility audit and keyboard walk, both
//! languages complete, a hostile page, least privilege, no vendor credential in the browser (issue
//! 16). The checks live here, not only in `tests/tests/guard_*.rs`, so that `./build.sh bench` reports
//! the same figures the tests assert: `axe_violations`, `locale_missing_keys`, `hostile_attempts`,
//! `hostile_succeeded`, `browser_secrets_found`.

pub mod a11y;
pub mod hostile;
pub mod locales;
pub mod manifest;
pub mod messages;
pub mod secrets;
