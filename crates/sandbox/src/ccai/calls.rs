//! Calls (issue 6): not built yet beyond the store.

/// The call store.
#[derive(Default)]
pub struct Calls {}
