//! Kustomer, as the server reads it with the company's API key.

pub mod work_sessions;
