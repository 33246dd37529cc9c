//! Everything the server asks of CCAI goes through here: the client (Basic auth, documented routes
//! only), the company's one scheduler, the directory of agents and statuses, and the activity-log tail.

pub mod activity;
pub mod client;
pub mod directory;
pub mod scheduler;
