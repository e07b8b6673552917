//! Conversations with an agent: multi-turn chat whose turns are runs.

mod chat_page;
mod chat_stream;
mod public_chat_page;
mod server_fns;
mod share_fns;
mod share_page;
mod types;

pub use chat_page::ChatPage;
pub use public_chat_page::PublicChatPage;
pub use server_fns::*;
pub use share_fns::*;
pub use share_page::SharePage;
pub use types::*;
