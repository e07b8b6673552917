//! Outbound networking: everything the server sends to hosts it does not operate.
pub mod ssrf;
