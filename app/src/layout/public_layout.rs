use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::Logo;

/// The frame of pages anyone may see: the landing page, the 404 page.
#[component]
pub fn PublicLayout(children: Children) -> impl IntoView {
    view! {
        <div class="flex min-h-screen flex-col">
            <header class="border-b border-slate-200 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-900/80">
                <div class="mx-auto flex max-w-6xl items-center justify-between gap-4 px-4 py-3">
                    <A href="/" attr:class="flex items-center gap-2 font-semibold">
                        <Logo />
                        <span>"Agent Factory"</span>
                    </A>
                    <nav aria-label="Site" class="flex items-center gap-1 text-sm sm:gap-3">
                        <A href="/marketplace" attr:class="hidden rounded-md px-3 py-2 hover:bg-slate-100 sm:inline dark:hover:bg-slate-800">
                            "Marketplace"
                        </A>
                        <A href="/signin" attr:class="rounded-md px-3 py-2 hover:bg-slate-100 dark:hover:bg-slate-800">
                            "Sign in"
                        </A>
                        <A href="/signup" attr:class="rounded-md bg-indigo-600 px-3 py-2 font-medium text-white shadow-sm hover:bg-indigo-500">
                            "Get started"
                        </A>
                    </nav>
                </div>
            </header>
            <main class="flex-1">{children()}</main>
            <footer class="border-t border-slate-200 py-6 text-center text-sm text-slate-500 dark:border-slate-800 dark:text-slate-400">
                "Agent Factory · specs are permanent, code is disposable"
            </footer>
        </div>
    }
}
