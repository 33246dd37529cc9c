//! Everything the server asks of CCAI goes through here: the client (Basic auth, documented routes
//! only), the company's one scheduler, the directory of agents and statuses, each agent's current
//! status as last learned, and the activity-log tail.

pub mod activity;
pub mod client;
pub mod current;
pub mod directory;
pub mod scheduler;
