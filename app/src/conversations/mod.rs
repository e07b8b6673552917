//! Conversations with an agent: multi-turn chat whose turns are runs.

mod types;

pub use types::*;
