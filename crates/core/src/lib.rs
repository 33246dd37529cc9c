//! Pure domain logic for the CCAI Platform ↔ Kustomer extension and connector.
//!
//! Architecture invariant: nothing here does I/O, reads a clock or touches the DOM. Time comes in as
//! arguments (`now_ms`), effects go out as returned values. That is why it is tested natively and why it
//! cannot fail for reasons outside its inputs.

pub mod budget;
pub mod kustomer_status;
pub mod mapping;
pub mod ownership;
pub mod paging;
pub mod phone;
pub mod protocol;
pub mod reconcile;
pub mod records;
pub mod relay;
pub mod server_api;
pub mod settings;
pub mod softphone;
pub mod standing;
pub mod status;
pub mod status_sync;
pub mod wire_tag;
