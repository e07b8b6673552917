use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use super::email_banner::EmailBanner;
use super::nav_links::NavLinks;
use super::two_factor_banner::TwoFactorBanner;
use super::user_menu::{UserMenu, ViewerResource};
use crate::auth::get_viewer;
use crate::components::{ErrorFallback, Logo};
use crate::providers::DemoBanner;

/// The frame of the signed-in app: a sidebar on wide screens, a menu button on narrow
/// ones, and an error boundary so one failing page never blanks the whole app.
#[component]
pub fn AppLayout() -> impl IntoView {
    let viewer: ViewerResource = Resource::new(|| (), |_| get_viewer());
    // Pages below read it to hide what the viewer's role cannot do.
    provide_context(viewer);
    view! {
        <div class="min-h-screen md:flex">
            <aside class="hidden w-60 shrink-0 flex-col border-r border-slate-200 bg-white p-4 md:flex dark:border-slate-800 dark:bg-slate-900">
                <A href="/" attr:class="mb-6 flex items-center gap-2 px-3 font-semibold">
                    <Logo />
                    <span>"Agent Factory"</span>
                </A>
                <nav aria-label="Main" class="flex-1 space-y-1">
                    <NavLinks />
                </nav>
                <UserMenu viewer />
            </aside>
            <MobileHeader viewer />
            <main class="min-w-0 flex-1 px-4 py-6 md:px-8">
                <DemoBanner />
                <EmailBanner viewer />
                <TwoFactorBanner viewer />
                <ErrorBoundary fallback=|errors| view! { <ErrorFallback errors /> }>
                    <Outlet />
                </ErrorBoundary>
            </main>
        </div>
    }
}

/// The narrow-screen header. The menu is a `<details>` element: it opens without
/// JavaScript, and choosing a link loads the next page with the menu closed.
#[component]
fn MobileHeader(viewer: ViewerResource) -> impl IntoView {
    view! {
        <header class="sticky top-0 z-10 border-b border-slate-200 bg-white/90 backdrop-blur md:hidden dark:border-slate-800 dark:bg-slate-900/90">
            <details class="group">
                <summary class="flex cursor-pointer list-none items-center justify-between px-4 py-3">
                    <span class="flex items-center gap-2 font-semibold">
                        <Logo />
                        "Agent Factory"
                    </span>
                    <span class="rounded-md border border-slate-300 px-2 py-1 text-sm dark:border-slate-700">
                        <span class="group-open:hidden">"Menu"</span>
                        <span class="hidden group-open:inline">"Close"</span>
                    </span>
                </summary>
                <nav aria-label="Main" class="space-y-1 px-4 pb-4">
                    <NavLinks />
                </nav>
                <div class="border-t border-slate-200 px-1 py-4 dark:border-slate-800">
                    <UserMenu viewer />
                </div>
            </details>
        </header>
    }
}
