//! Small building blocks shared by several pages.

mod code_text;
mod empty_state;
mod error_fallback;
mod form_refill;
mod logo;
mod page_header;
mod panel;
mod shown_once;

pub use code_text::CodeText;
pub use empty_state::EmptyState;
pub use error_fallback::ErrorFallback;
pub use form_refill::refill;
pub use logo::Logo;
pub use page_header::PageHeader;
pub use panel::{CARD, NUM, Panel, ROW, Table};

/// Markdown rendered on the server (a template's description, an agent's answer),
/// styled without a typography plugin.
pub const MARKDOWN: &str = "max-w-none space-y-3 [&_a]:text-indigo-600 [&_a]:underline dark:[&_a]:text-indigo-400 [&_h1]:text-lg [&_h1]:font-semibold [&_h2]:font-semibold [&_h3]:font-medium [&_li]:ml-5 [&_ul]:list-disc [&_ol]:list-decimal [&_code]:font-mono [&_code]:text-[0.9em] [&_pre]:overflow-x-auto [&_pre]:rounded-md [&_pre]:bg-slate-100 [&_pre]:p-3 dark:[&_pre]:bg-slate-800 [&_blockquote]:border-l-4 [&_blockquote]:border-slate-300 [&_blockquote]:pl-3 [&_table]:block [&_table]:overflow-x-auto [&_td]:border [&_td]:border-slate-200 [&_td]:px-2 [&_th]:border [&_th]:border-slate-200 [&_th]:px-2 dark:[&_td]:border-slate-700 dark:[&_th]:border-slate-700";
pub use shown_once::shown_once;
