//! The two services' API shapes (API-NOTES.md), as the extension calls them.

pub mod calls;
pub mod ccai;
pub mod chats;
pub mod kustomer;
pub mod kustomer_metadata;
pub mod screen_pop;
