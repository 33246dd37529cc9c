//! What the adapter frame's parts share: the reactive state, its notices and the port to the content
//! script. A leaf module: the adapter (the composition root), status sync and the softphone all use
//! it, and it uses none of them, so they do not import one another.

mod bridge;
mod notice;
mod state;

pub use bridge::Bridge;
pub use state::{AdapterState, Notice, Role};
