//! Page frames: the public marketing frame and the signed-in application frame.

mod app_layout;
mod email_banner;
mod nav_links;
mod public_layout;
mod two_factor_banner;
mod user_menu;

pub use app_layout::AppLayout;
pub use public_layout::PublicLayout;
pub use user_menu::ViewerResource;
