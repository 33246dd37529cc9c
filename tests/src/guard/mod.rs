//! Guard rails every change must pass (issue 9): the accessibility audit and keyboard walk, both
//! languages complete, a hostile page, least privilege. The checks live here, not only in
//! `tests/tests/guard_*.rs`, so that `./build.sh bench` reports the same figures the tests assert:
//! `axe_violations`, `locale_missing_keys`, `hostile_attempts`, `hostile_succeeded`.

pub mod a11y;
pub mod hostile;
pub mod locales;
pub mod manifest;
