//! Thin bindings to the `chrome.*` extension APIs, one file per namespace (tab-organizer's habit).

pub mod i18n;
pub mod storage;
