//! Thin bindings to the `chrome.*` extension APIs, one file per namespace (tab-organizer's habit).

pub mod i18n;
pub mod identity;
pub mod locks;
pub mod permissions;
pub mod storage;
