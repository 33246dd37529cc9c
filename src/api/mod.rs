//! The two services' API shapes (API-NOTES.md), as the extension calls them.

pub mod ccai;
pub mod kustomer;
pub mod kustomer_metadata;
