//! What the adapter frame's parts share: the engine's state and notices, the port to the content
//! script, and what the engine and the view say to each other. A leaf module: the view (`adapter`),
//! the engine (the composition root of status sync and the softphone) all use it, and it uses none of
//! them, so they do not import one another.

mod bridge;
mod notice;
pub mod remembered;
mod shown;
mod state;

pub use bridge::Bridge;
pub use shown::{CallShown, FrameView, Intent};
pub use state::{AdapterState, Notice, Role};
